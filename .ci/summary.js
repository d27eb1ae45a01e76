// Prints `N passed, N failed` from JUnit XML reports (jest-junit). A missing or unreadable
// report counts as one failure: a suite that crashed before reporting must not look green.
const { readFileSync } = require('fs');

let passed = 0;
let failed = 0;
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
  const skipped = attr('skipped');
  passed += tests - bad - skipped;
  failed += bad;
  if (!head || tests === 0) {
    console.error(`summary: ${file} ran no test`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
