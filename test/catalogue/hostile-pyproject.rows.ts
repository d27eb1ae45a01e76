/**
 * Catalogue rows: text of the project's pyproject.toml that reaches a generated file (the name
 * in a Dockerfile comment, the readme and license in a COPY, the scripts in the build-time
 * check), each refused before it is written when it breaks its grammar: a name holding a
 * newline and a RUN, a readme outside the project, a script that is no entry point.
 */
import { any, Row } from './support';
import { PythonService } from '../../src';

const PATH = 'vision/api';
const CODE = { 'app/__init__.py': '', 'app/main.py': '' };
const HATCH = '\n[build-system]\nrequires = ["hatchling==1.26.3"]\nbuild-backend = "hatchling.build"\n';
const projectSvc = (p: any) => new PythonService(p, 'api', any({
  command: ['python', '-m', 'app.main'], sources: ['app'], installProject: true,
}));
const row = (
  name: string, project: string, got: string, expected: string, extra: Record<string, string> = {},
): Row => ({
  name: `pyproject text: ${name}`,
  files: { 'pyproject.toml': `[project]\n${project}${HATCH}`, ...CODE, ...extra },
  build: projectSvc,
  path: PATH,
  got,
  expected,
});

export const rows: Row[] = [
  row('a name holding a newline and a RUN', 'name = "demo\\nRUN cat /run/secrets/netrc"\nversion = "0.1.0"\n',
    'the project name is not a package name: got "demo\\nRUN cat /run/secrets/netrc"', 'a PEP 508 name'),
  row('a name with a space', 'name = "my demo"\nversion = "0.1.0"\n', '"my demo"', 'starting and ending with a letter or digit'),
  row('a readme outside the project', 'name = "demo"\nversion = "0.1.0"\nreadme = "../README.md"\n',
    'the readme is not a clean path inside the project: got "../README.md"', 'without "." or ".." parts'),
  row('an absolute readme', 'name = "demo"\nversion = "0.1.0"\nreadme = "/etc/passwd"\n', '"/etc/passwd"', 'a relative path'),
  row('a license file with a newline', 'name = "demo"\nversion = "0.1.0"\nlicense = { file = "LICENSE\\nCOPY / /x" }\n',
    'the license file is not a clean path', 'a relative path'),
  row('a script name with a space', 'name = "demo"\nversion = "0.1.0"\n[project.scripts]\n"run me" = "app.main:main"\n',
    'a script name is not a file name: got "run me"', 'letters, digits'),
  row('a script pointing at shell text', 'name = "demo"\nversion = "0.1.0"\n[project.scripts]\nserve = "app.main:main; rm -rf /"\n',
    'script "serve" does not point at module:function', 'an entry point such as "mypkg.cli:main"'),
];
