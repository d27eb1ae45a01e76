/**
 * Text from a repository reaches `.projenrc.ts` only as a literal that means exactly that text,
 * or as a comment that ends where it should: no quote, backslash, backtick, `${`, `*\/` or
 * line break of any kind (U+2028 and U+2029 end a line in JavaScript source too) turns it into code.
 */
import fc from 'fast-check';
import * as ts from 'typescript';
import { commentLines, commentText, tsString, tsStringList } from '../../src/adopt/ts-text';

/** Evaluates a TypeScript expression (transpiled, as `npx projen` runs .projenrc.ts). */
function evaluate(expression: string): unknown {
  const js = ts.transpileModule(`module.exports = ${expression};`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS },
  }).outputText;
  const module = { exports: undefined as unknown };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('module', js)(module);
  return module.exports;
}

/** Strings a hostile repository can hold in a CMD, a compose command, a Procfile or a README. */
export const HOSTILE: readonly string[] = [
  "'; require('child_process').execSync('touch /tmp/pwned'); '",
  '`${process.exit(1)}`',
  '${process.env.HOME}',
  '*/ process.exit(1); /*',
  'a\nprocess.exit(1)',
  'a\rb',
  'line\u2028process.exit(1)',
  'line\u2029process.exit(1)',
  'back\\slash\\',
  '"double" \'single\'',
  '\u202eevil\u202c reversed',
  'zero\u200bwidth\ufeff',
  'nul\u0000byte',
  'lone \ud800 surrogate',
  'emoji 😀 and ünïcödé',
  '</script><!--',
  '\\u0027',
];

describe('string literals', () => {
  test.each(HOSTILE.map((h) => [JSON.stringify(h), h]))('%s reads back as itself', (_name, text) => {
    const literal = tsString(text);
    expect(literal).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(evaluate(literal)).toBe(text);
  });

  test('a list of them reads back as the same list', () => {
    expect(evaluate(tsStringList(HOSTILE))).toEqual(HOSTILE);
  });

  test('any string reads back as itself (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const literal = tsString(text);
        return !/[\n\r\u2028\u2029]/.test(literal) && evaluate(literal) === text;
      }),
      { numRuns: 300 },
    );
  });
});

describe('comments', () => {
  test.each(HOSTILE.map((h) => [JSON.stringify(h), h]))('%s stays inside its comment', (_name, text) => {
    const lines = commentLines(`read from Dockerfile:3 ${text}`);
    const program = `${lines.join('\n')}\nmodule.exports = 42;`;
    expect(
      program
        .split('\n')
        .slice(0, -1)
        .every((l) => l.startsWith('// ')),
    ).toBe(true);
    expect(evaluate(`(() => {\n${lines.join('\n')}\nreturn 42; })()`)).toBe(42);
    expect(commentText(text)).not.toMatch(/[\n\r\u2028\u2029\u0085\u000b\u000c\u202e]/);
  });

  test('any text stays inside its comment (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const lines = commentLines(text);
        return evaluate(`(() => {\n${lines.join('\n')}\nreturn 42; })()`) === 42;
      }),
      { numRuns: 300 },
    );
  });
});
