#!/usr/bin/env bash
# Write a tiny offline package index for build tests (PyPI is unreachable here).
#
# Usage: scripts/engine/wheelhouse.sh OUTDIR
#   then: python3 -m http.server --bind 127.0.0.1 PORT --directory OUTDIR
#   and:  pip install --index-url http://127.0.0.1:PORT/simple/ mlstub==1.0.0
#
# Packages (pure Python, py3-none-any):
#   mlstub 1.0.0, mlstub 1.1.0   module `mlstub`: __version__, predict(features)
#   mlstub-dev 1.0.0             module `mlstub_dev`: check(); requires mlstub>=1.0
#   torch 2.5.1+cu124, torchvision 0.20.1+cu124, torchaudio 2.5.1+cu124   stand-ins of the CUDA wheels
#     (no code; local labels as PyTorch's CUDA index serves them)
#   fastapi 0.115.6, uvicorn 0.32.1   small working stand-ins for the scaffold's api
#                                (templates/projenrc.ts.ejs): a FastAPI class whose get(path)
#                                decorator registers JSON routes, and a `uvicorn MODULE:APP
#                                --host H --port P` console script serving those GET routes with
#                                http.server, so the scaffolded api answers its /health probe
#   numpy 2.1.3, transformers 4.47.0   the scaffold trainer's ml tier (no code)
#
# The wheels are zipped by hand with the host's python3 (no pip/setuptools/wheel needed),
# with fixed timestamps so every run writes byte-identical files (stable Docker caches).
# Layout is a PEP 503 "simple" index: OUTDIR/simple/index.html and
# OUTDIR/simple/<normalized-name>/{index.html,*.whl}.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 1 ]] || die "usage: $0 OUTDIR"
mkdir -p "$1"

python3 - "$1" <<'PY'
import base64, hashlib, html, pathlib, re, sys, zipfile

out = pathlib.Path(sys.argv[1]) / "simple"
EPOCH = (1980, 1, 1, 0, 0, 0)

MLSTUB = '''"""Stand-in for a model-serving library: deterministic, dependency-free."""
__version__ = "{version}"


def predict(features):
    """Return a fake score for a list of numbers."""
    return {{"model": "mlstub", "version": __version__, "score": float(sum(features))}}
'''

MLSTUB_DEV = '''"""Stand-in for a development-only dependency (test/lint tooling)."""
__version__ = "{version}"


def check():
    import mlstub
    return mlstub.predict([1, 2])["score"] == 3.0
'''

TORCH_STUB = '''"""Offline stand-in for {name} (no CUDA, no tensors): it only proves the torch tier
installs from its own index with --index-url and the exact pins of requirements-torch.txt."""
__version__ = "{version}"
'''

FASTAPI = '''"""Offline stand-in for FastAPI {version}: just enough for a scaffolded service. An app
registers plain functions as GET routes; the uvicorn stand-in serves their return values as JSON."""
__version__ = "{version}"


class FastAPI:
    def __init__(self, title="FastAPI", **_options):
        self.title = title
        self.routes = {{}}

    def get(self, path, **_options):
        def register(func):
            self.routes[path] = func
            return func
        return register
'''

UVICORN = '''"""Offline stand-in for uvicorn {version}: `uvicorn MODULE:APP --host H --port P` serves the
app's GET routes (see the fastapi stand-in) as JSON with the standard library's http.server."""
import argparse
import importlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__version__ = "{version}"


def load(target):
    module, _, attr = target.partition(":")
    sys.path.insert(0, ".")  # as uvicorn's default --app-dir: the working directory
    return getattr(importlib.import_module(module), attr or "app")


def serve(app, host, port):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server naming)
            route = app.routes.get(self.path.split("?", 1)[0])
            status, body = (200, route()) if route else (404, {{"detail": "Not Found"}})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer((host, port), Handler)
    print(f"uvicorn stand-in: {{getattr(app, 'title', '?')}} on http://{{host}}:{{port}}", flush=True)
    server.serve_forever()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="uvicorn")
    parser.add_argument("app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args, _ignored = parser.parse_known_args(argv)
    serve(load(args.app), args.host, args.port)
'''

UVICORN_MAIN = '''from uvicorn import main

main()
'''

EMPTY_STUB = '''"""Offline stand-in for {name} (no code): it only lets an image that pins it build."""
__version__ = "{version}"
'''

PACKAGES = [
    # (distribution name, version, module, source template, Requires-Dist lines
    #  [, {other file in the module: its source}, entry_points.txt])
    ("mlstub", "1.0.0", "mlstub", MLSTUB, []),
    # GPU services pin torch with the wheel's local label, as PyTorch's CUDA index does.
    ("torch", "2.5.1+cu124", "torch", TORCH_STUB, []),
    # torchvision and torchaudio carry the label too, as PyTorch's CUDA index serves them (the
    # image's torch check compares the installed builds, labels included).
    ("torchvision", "0.20.1+cu124", "torchvision", TORCH_STUB, ["torch==2.5.1"]),
    ("torchaudio", "2.5.1+cu124", "torchaudio", TORCH_STUB, ["torch==2.5.1"]),
    ("mlstub", "1.1.0", "mlstub", MLSTUB, []),
    ("mlstub-dev", "1.0.0", "mlstub_dev", MLSTUB_DEV, ["mlstub>=1.0"]),
    # The scaffold's pins (templates/projenrc.ts.ejs); its dev tier is not built for prod.
    ("fastapi", "0.115.6", "fastapi", FASTAPI, []),
    ("uvicorn", "0.32.1", "uvicorn", UVICORN, [], {"__main__.py": UVICORN_MAIN},
     "[console_scripts]\nuvicorn = uvicorn:main\n"),
    ("numpy", "2.1.3", "numpy", EMPTY_STUB, []),
    ("transformers", "4.47.0", "transformers", EMPTY_STUB, []),
]


def normalize(name):  # PEP 503
    return re.sub(r"[-_.]+", "-", name).lower()


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(name, version, module, template, requires, modules=None, entry_points=None):
    dist = re.sub(r"[-_.]+", "_", name)  # wheel file/dist-info name form
    info = f"{dist}-{version}.dist-info"
    metadata = "".join([
        "Metadata-Version: 2.1\n",
        f"Name: {name}\n",
        f"Version: {version}\n",
        f"Summary: Offline test stand-in package {name}\n",
        "Requires-Python: >=3.8\n",
        *(f"Requires-Dist: {r}\n" for r in requires),
    ])
    files = {f"{module}/__init__.py": template.format(version=version, name=name)}
    files.update({f"{module}/{path}": text for path, text in (modules or {}).items()})
    files[f"{info}/METADATA"] = metadata
    files[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: wheelhouse.sh\n"
                              "Root-Is-Purelib: true\nTag: py3-none-any\n")
    if entry_points:
        files[f"{info}/entry_points.txt"] = entry_points
    files[f"{info}/top_level.txt"] = module + "\n"
    record = ""
    for path, text in files.items():
        data = text.encode()
        record += f"{path},{record_hash(data)},{len(data)}\n"
    files[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"

    filename = f"{dist}-{version}-py3-none-any.whl"
    target = out / normalize(name) / filename
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in files.items():
            entry = zipfile.ZipInfo(path, EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, text)
    return target


def page(title, links):
    anchors = "\n".join(f'    <a href="{html.escape(href)}">{html.escape(text)}</a><br/>'
                        for href, text in links)
    return (f"<!DOCTYPE html>\n<html>\n  <head><title>{html.escape(title)}</title></head>\n"
            f"  <body>\n{anchors}\n  </body>\n</html>\n")


wheels = {}
for spec in PACKAGES:
    wheels.setdefault(normalize(spec[0]), []).append(build_wheel(*spec))

for project, paths in wheels.items():
    links = [(f"{p.name}#sha256={hashlib.sha256(p.read_bytes()).hexdigest()}", p.name)
             for p in sorted(paths)]
    (out / project / "index.html").write_text(page(f"Links for {project}", links))
(out / "index.html").write_text(page("Simple index", [(f"{p}/", p) for p in sorted(wheels)]))
PY
log "wheelhouse: $(find "$1/simple" -name '*.whl' | wc -l) wheels in $1/simple"
