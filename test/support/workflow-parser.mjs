// GitHub's own workflow parser (@actions/workflow-parser, an ECMAScript module) as a child
// process for the CommonJS tests: reads JSON `[{ name, content }, ...]` on stdin and prints,
// per workflow, the errors of parsing and of converting it to a workflow template (the two
// steps the Actions service runs), as JSON `[[message, ...], ...]`.
//
// The package imports its schema JSON without an import attribute (it is built for bundlers),
// which Node refuses; a loader hook serves those JSON files as modules that export them.
import { readFileSync } from 'node:fs';
import { register } from 'node:module';

const hook = `
export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.json') && url.includes('/@actions/')) {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL(url), 'utf-8');
    return { format: 'module', source: 'export default ' + text + ';', shortCircuit: true };
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
const { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } = await import('@actions/workflow-parser');

const files = JSON.parse(readFileSync(0, 'utf-8'));
const out = [];
for (const file of files) {
  const parsed = parseWorkflow(file, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length === 0 && parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of template.errors ?? []) errors.push(e.Message ?? e.message ?? String(e));
  }
  out.push(errors);
}
process.stdout.write(JSON.stringify(out));
