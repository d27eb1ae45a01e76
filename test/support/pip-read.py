"""Reads requirement files with pip's own parser, for test/deps/hostile-property.test.ts.

stdin: a JSON list of file paths. stdout: a JSON list, one entry per file: {"error": text} when
pip refuses the file, else {"lines": [...]}, each line as pip parsed it: its number, whether it
is a requirement, the options pip set on it (anything but the defaults), and for a requirement
its name, specifier, extras, marker and url as pip's packaging reads them.

With --preprocess, stdin is a JSON list of file texts instead, and each entry of stdout is the
logical lines pip's `preprocess` makes of one: [line number, text] pairs.
"""
import json
import sys

from pip._internal.network.session import PipSession
from pip._internal.req.req_file import RequirementsFileParser, get_line_parser, preprocess
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name


def main() -> None:
    if sys.argv[1:] == ['--preprocess']:
        json.dump([list(preprocess(text)) for text in json.load(sys.stdin)], sys.stdout)
        return
    paths = json.load(sys.stdin)
    line_parser = get_line_parser(None)
    _, defaults = line_parser('')
    parser = RequirementsFileParser(PipSession(), line_parser)
    out = []
    for path in paths:
        try:
            lines = []
            for line in parser.parse(path, constraint=False):
                opts = {k: v for k, v in vars(line.opts).items() if v != getattr(defaults, k, None)}
                entry = {'lineno': line.lineno, 'requirement': line.is_requirement, 'options': sorted(opts)}
                if 'hashes' in opts:
                    entry['hashes'] = sorted(opts['hashes'].get('sha256', []))
                    entry['otherHashes'] = sorted(k for k in opts['hashes'] if k != 'sha256')
                if line.is_requirement:
                    entry['editable'] = line.is_editable
                    req = Requirement(line.requirement)
                    entry.update({
                        'name': canonicalize_name(req.name),
                        'specifier': sorted(str(s) for s in req.specifier),
                        'extras': sorted(canonicalize_name(e) for e in req.extras),
                        'marker': str(req.marker) if req.marker else None,
                        'url': req.url,
                    })
                lines.append(entry)
            out.append({'lines': lines})
        except Exception as e:  # pip refuses the file: reported, the test fails on it
            out.append({'error': f'{type(e).__name__}: {e}'})
    json.dump(out, sys.stdout)


main()
