// Post-compile step (`npx projen compile`): makes the package's entry point lib/index.js load
// each module the first time one of its exports is read, instead of every module at once. A
// `.projenrc.ts` that uses no Kubernetes manifests or cache report never loads their code (or
// their dependencies) at `npx projen`.
//
// tsc compiles `export { A } from './a'` to `var a_1 = require("./a");` plus a getter per
// export (`get: function () { return a_1.A; }`); each such `require` becomes a function that
// loads the module on its first call, and each getter calls it. Anything else in the file is
// refused, so a change in the compiler's output fails the build instead of going unnoticed.
'use strict';
const { readFileSync, writeFileSync } = require('fs');
const { join } = require('path');

const REQUIRE = /^var (\w+) = require\("(\.\/[^"]+)"\);$/;
const GETTER = /^Object\.defineProperty\(exports, "(\w+)", \{ enumerable: true, get: function \(\) \{ return (\w+)\.(\w+); \} \}\);$/;
const KEPT = [/^"use strict";$/, /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/, /^exports\.[\w.= ]+ = void 0;$/, /^\/\/# sourceMappingURL=/, /^$/];

/** The lazy form of a compiled index (its text); throws on a line it does not know. */
function lazyIndex(text) {
  const loaders = new Set();
  const out = [];
  for (const line of text.split('\n')) {
    const req = REQUIRE.exec(line);
    if (req) {
      loaders.add(req[1]);
      out.push(`var ${req[1]}_module;`, `function ${req[1]}() { return ${req[1]}_module !== undefined ? ${req[1]}_module : (${req[1]}_module = require("${req[2]}")); }`);
      continue;
    }
    const getter = GETTER.exec(line);
    if (getter) {
      if (!loaders.has(getter[2])) throw new Error(`lazy-exports: ${getter[1]} reads ${getter[2]} before it is required`);
      out.push(`Object.defineProperty(exports, "${getter[1]}", { enumerable: true, get: function () { return ${getter[2]}().${getter[3]}; } });`);
      continue;
    }
    if (KEPT.some((re) => re.test(line))) {
      out.push(line);
      continue;
    }
    throw new Error(`lazy-exports: a line the compiled index was not expected to hold: ${line}`);
  }
  if (loaders.size === 0) throw new Error('lazy-exports: the compiled index requires no module');
  return out.join('\n');
}

module.exports = { lazyIndex };

if (require.main === module) {
  const file = join(__dirname, '..', 'lib', 'index.js');
  writeFileSync(file, lazyIndex(readFileSync(file, 'utf-8')));
}
