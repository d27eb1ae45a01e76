/**
 * The bad-input catalogue: one row per invalid definition, across every construct and the
 * project options, including what plain-JavaScript users (`.projenrc.js`, no type check)
 * can pass. Every row must fail with our single error type, name the construct path, show
 * the offending value and say what is allowed, and leave the previous generated tree
 * exactly as it was. No TypeError, zod message, EJS stack or half-written tree, ever.
 *
 * The rows live in test/catalogue/*.rows.ts (one file per area); every such file is read.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import {
  BackingService, ComposeStack, GpuTrainer, MlDockerValidationError, PythonService, RequirementTier,
} from '../src';
import { AcceptRow, CMD, Row } from './catalogue/support';
import { synthIn, tree } from './util';

const rowFiles = readdirSync(join(__dirname, 'catalogue')).filter((f) => f.endsWith('.rows.ts')).sort();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rows: Row[] = rowFiles.flatMap((f) => require(join(__dirname, 'catalogue', f)).rows as Row[]);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const accepts: AcceptRow[] = rowFiles.flatMap((f) => (require(join(__dirname, 'catalogue', f)).accepts ?? []) as AcceptRow[]);

// One previously synthesized tree every row runs over: a failing row must leave it intact.
const dir = mkdtempSync(join(tmpdir(), 'mld-catalogue-'));
synthIn(dir, {}, (p) => {
  const api = new PythonService(p, 'api', { command: CMD, port: 8000, requirements: { core: ['fastapi==0.115.6'] } });
  api.addRequirement(RequirementTier.ML, 'numpy==2.1.3');
  new GpuTrainer(p, 'trainer', { torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'] });
  new ComposeStack(p, 'stack', { backingServices: [BackingService.POSTGRES] });
});
const before = tree(dir);

test('the catalogue has at least 150 rows with unique names', () => {
  expect(rows.length).toBeGreaterThanOrEqual(150);
  expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
});

/**
 * Writes a row's files into the tree; returns what undoes it: new files and the folders made
 * for them are removed, a file the tree already had (a generated one a row replaces with a
 * file of the user's) gets its bytes and mode back.
 */
function withFiles(files: Record<string, string | Buffer>): () => void {
  const made: string[] = [];
  const replaced: Array<[string, Buffer, number]> = [];
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    for (let d = dirname(full); d !== dir && !existsSync(d); d = dirname(d)) made.push(d);
    mkdirSync(dirname(full), { recursive: true });
    if (existsSync(full)) {
      replaced.push([full, readFileSync(full), statSync(full).mode]);
      chmodSync(full, 0o644);
    }
    writeFileSync(full, content);
  }
  return () => {
    for (const path of Object.keys(files)) rmSync(join(dir, path), { force: true, recursive: true });
    for (const d of made.sort((a, b) => b.length - a.length)) rmSync(d, { recursive: true, force: true });
    for (const [full, bytes, mode] of replaced) {
      writeFileSync(full, bytes);
      chmodSync(full, mode);
    }
  };
}

test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
  const removeFiles = withFiles(row.files ?? {});
  try {
    checkRow(row, row.files ? tree(dir) : before);
  } finally {
    removeFiles();
  }
});

function checkRow(row: Row, previous: Record<string, string>): void {
  let error: unknown;
  try {
    synthIn(dir, row.project ?? {}, row.build);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MlDockerValidationError);
  const message = (error as Error).message;
  expect(message).toContain(`[${row.path}`);
  expect(message).toContain(row.got);
  expect(message).toContain(row.expected);
  expect(message).not.toMatch(/TypeError|ZodError|Invalid input|\.ejs:\d|at Object\.|undefined is not/);
  for (const problem of (error as MlDockerValidationError).problems) {
    expect(problem).toMatch(/^\[[^\]]*\] [a-z0-9"]/);
    expect(problem).toContain(': got ');
    expect(problem).toContain('; expected ');
  }
  expect(tree(dir)).toEqual(previous);
}

describe('what the catalogue refuses has acceptable neighbours: each synthesizes and writes what it must', () => {
  test.each(accepts.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const project = mkdtempSync(join(tmpdir(), 'mld-catalogue-accept-'));
    for (const [path, content] of Object.entries(row.files ?? {})) {
      mkdirSync(dirname(join(project, path)), { recursive: true });
      writeFileSync(join(project, path), content);
    }
    try {
      synthIn(project, row.project ?? {}, row.build);
      for (const [file, lines] of Object.entries(row.writes)) {
        const text = readFileSync(join(project, file), 'utf-8');
        for (const line of lines) {
          expect({ file, text }).toEqual({ file, text: expect.stringContaining(line) });
        }
      }
      for (const [file, texts] of Object.entries(row.absent ?? {})) {
        const text = readFileSync(join(project, file), 'utf-8');
        for (const absent of texts) expect(text.split('\n').filter((l) => !l.startsWith('#')).join('\n')).not.toContain(absent);
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
