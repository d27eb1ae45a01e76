// Prints `N passed, N failed` from JUnit XML reports (jest-junit). A missing or unreadable
// report counts as one failure: a suite that crashed before reporting must not look green.
// Before it, one line per reason tests were skipped for: a skipped test names its reason in its
// title as `[skipped: <reason>]` (test/engine/support/mirror.ts, describeUnless), e.g. the
// real-package engine tests on a machine without a local PyPI copy.
const { readFileSync } = require('fs');

const ENTITIES = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };
const unescape = (text) => text.replace(/&(quot|apos|lt|gt|amp);/g, (_m, name) => ENTITIES[name]);

let passed = 0;
let failed = 0;
/** reason -> { count, files } */
const skips = new Map();
for (const file of process.argv.slice(2)) {
  let xml;
  try {
    xml = readFileSync(file, 'utf-8');
  } catch {
    console.error(`summary: no report at ${file}`);
    failed += 1;
    continue;
  }
  const head = /<testsuites\b([^>]*)>/.exec(xml);
  const attr = (name) => Number((new RegExp(`\\b${name}="(\\d+)"`).exec(head ? head[1] : '') || [])[1] || 0);
  const tests = attr('tests');
  const bad = attr('failures') + attr('errors');
  // jest-junit counts skipped tests on each <testsuite>, not on <testsuites>: count the test cases.
  let skipped = 0;
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    if (!/<skipped\b/.test(m[2] || '')) continue;
    skipped += 1;
    const name = unescape((/\bname="([^"]*)"/.exec(m[1]) || [])[1] || '');
    const suite = unescape((/\bclassname="([^"]*)"/.exec(m[1]) || [])[1] || '');
    const reason = (/\[skipped: ([^\]]*)\]/.exec(`${suite} ${name}`) || [])[1]
      || 'no reason given in the test name';
    const entry = skips.get(reason) || { count: 0, reports: new Set() };
    entry.count += 1;
    entry.reports.add(file);
    skips.set(reason, entry);
  }
  passed += tests - bad - skipped;
  failed += bad;
  if (!head || tests === 0 || tests === skipped) {
    console.error(`summary: ${file} ran no test`);
    failed += 1;
  }
}
for (const [reason, { count, reports }] of skips) {
  console.log(`skipped ${count} test${count === 1 ? '' : 's'} (${[...reports].join(', ')}): ${reason}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
