import { BuildStepStage, PythonService } from '../src';
import { newProject, synth } from './util';
import { codeCell, markdownCell } from '../src/core/markdown';

/** The cells of a markdown table row (split on `|` not escaped by a backslash). */
function cells(row: string): string[] {
  return row.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
}

describe('docs/containers.md lists each service\'s command and whether its entry is checked', () => {
  const project = newProject();
  new PythonService(project, 'api', {
    command: ['uvicorn', 'api.main:app', '--port', '8000'], port: 8000, requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1'] },
  });
  new PythonService(project, 'jobs', { command: ['sh', '-c', 'exec python -m jobs.main | tee `date`.log'], entryCheck: false });
  const doc: string = synth(project)['docs/containers.md'];
  const header = doc.split('\n').find((l) => l.startsWith('| service |'))!;
  const row = (id: string) => cells(doc.split('\n').find((l) => l.startsWith(`| \`${id}\` |`))!);

  test('one command cell per service, as many cells as the header', () => {
    const columns = cells(header);
    expect(columns[2]).toBe('command');
    expect(row('api')).toHaveLength(columns.length);
    expect(row('api')[2]).toBe('`uvicorn api.main:app --port 8000`');
  });

  test('a command with a pipe and backticks stays in its cell; an unchecked one says so', () => {
    expect(row('jobs')).toHaveLength(cells(header).length);
    expect(row('jobs')[2]).toBe('``sh -c exec python -m jobs.main \\| tee `date`.log`` (not checked)');
    expect(doc).toContain('python -m mldocker_runtime.entry_check');
  });
});

test('codeCell: the fence outgrows the backticks inside, edges padded, lines joined', () => {
  expect(codeCell('a')).toBe('`a`');
  expect(codeCell('a ``b`` c')).toBe('```a ``b`` c```');
  expect(codeCell('`x`')).toBe('`` `x` ``');
  expect(codeCell('a\nb|c')).toBe('`a b\\|c`');
});

test('markdownCell: a pipe escaped, lines joined, numbers as text', () => {
  expect(markdownCell('a|b\nc')).toBe('a\\|b c');
  expect(markdownCell(8000)).toBe('8000');
});

describe('every table cell of the generated docs goes through the one escaper', () => {
  const project = newProject();
  new PythonService(project, 'api', {
    command: ['python', '-m', 'api.main'],
    description: 'reads a | b and more',
    buildSteps: [{ name: 'stamp', run: 'echo `date` | tee /tmp/stamp', stage: BuildStepStage.BUILDER }],
  });
  const doc: string = synth(project)['docs/containers.md'];
  const rowOf = (header: string, first: string) => {
    const lines = doc.split('\n');
    const width = cells(lines.find((l) => l.startsWith(header))!).length;
    const row = lines.find((l) => l.startsWith(first))!;
    return { width, row: cells(row) };
  };

  test('a description with a pipe stays one cell of its row', () => {
    const { width, row } = rowOf('| service |', '| `api` |');
    expect(row).toHaveLength(width);
    expect(row[1]).toBe('reads a \\| b and more');
  });

  test('a build step with backticks and a pipe stays one code cell', () => {
    const { width, row } = rowOf('| service | hook |', '| `api` | step `stamp` |');
    expect(row).toHaveLength(width);
    expect(row[3]).toBe('``echo `date` \\| tee /tmp/stamp``');
  });
});
