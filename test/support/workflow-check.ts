/**
 * GitHub's own workflow parser (`@actions/workflow-parser`, from actions/languageservices) on
 * generated workflows. The package is an ECMAScript module; it runs in a child process
 * (`workflow-parser.mjs`), one process for a batch of workflows.
 */
import { spawnSync } from 'child_process';
import { join } from 'path';
import * as YAML from 'yaml';

const SCRIPT = join(__dirname, 'workflow-parser.mjs');

/** The parser's errors for each workflow (a YAML text, or a document to write as YAML); empty when valid. */
export function workflowErrorsOf(workflows: ReadonlyArray<string | object>): string[][] {
  const input = workflows.map((w, i) => ({
    name: `workflow-${i}.yml`,
    content: typeof w === 'string' ? w : YAML.stringify(w),
  }));
  const res = spawnSync(process.execPath, [SCRIPT], { input: JSON.stringify(input), encoding: 'utf-8' });
  if (res.status !== 0) throw new Error(`the workflow parser failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as string[][];
}

/** The parser's errors for one workflow; empty when valid. */
export function workflowErrors(workflow: string | object): string[] {
  return workflowErrorsOf([workflow])[0];
}
