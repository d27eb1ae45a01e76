"""The packages a requirement file installs in given environments, as pip reads it.

For test/corpus/lock-differential.test.ts. stdin: {"files": [path, ...], "envs": [{"python":
"3.11.16", "machine": "x86_64"}, ...]}. Each file is read with pip's own parser (comments,
continuations, options) and each requirement's marker evaluated by pip's packaging for a glibc
Linux CPython of that version and machine. stdout: for each file, for each environment, the
sorted "name==version" of the requirements that apply (names canonicalized).
"""
import json
import sys

from pip._internal.network.session import PipSession
from pip._internal.req.req_file import RequirementsFileParser, get_line_parser
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name


def environment(python: str, machine: str) -> dict:
    return {
        'implementation_name': 'cpython', 'implementation_version': python, 'os_name': 'posix',
        'platform_machine': machine, 'platform_python_implementation': 'CPython', 'platform_release': '',
        'platform_system': 'Linux', 'platform_version': '', 'python_full_version': python,
        'python_version': '.'.join(python.split('.')[:2]), 'sys_platform': 'linux',
    }


def main() -> None:
    request = json.load(sys.stdin)
    parser = RequirementsFileParser(PipSession(), get_line_parser(None))
    out = []
    for path in request['files']:
        reqs = [Requirement(line.requirement) for line in parser.parse(path, constraint=False) if line.is_requirement]
        per_env = []
        for env in request['envs']:
            values = environment(env['python'], env['machine'])
            pins = [f'{canonicalize_name(r.name)}=={next(iter(r.specifier)).version}'
                    for r in reqs if r.marker is None or r.marker.evaluate(values)]
            per_env.append(sorted(pins))
        out.append(per_env)
    json.dump(out, sys.stdout)


main()
