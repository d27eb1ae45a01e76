"""Write the offline package index of the build benchmark (scripts/bench-build.ts).

    python3 bench-wheels.py OUTDIR SPEC.json

SPEC.json: {"wheels": [{"name", "version", "module", "blobs": [bytes, ...], "code": bytes}]}.
Each wheel is py3-none-any with a module of `code` bytes of Python source and, for every
entry of `blobs`, a data file of that many random bytes (seeded by name, version and index:
every run writes byte-identical files). Entries are STORED, not deflated: random bytes do
not compress, and pip then unpacks them at disk speed, as it does the large shared objects
of a torch-sized install. Zip timestamps are fixed for the same reason.

Layout: a PEP 503 "simple" index, OUTDIR/simple/index.html and
OUTDIR/simple/<normalized-name>/{index.html,*.whl}. Prints one line per wheel: bytes path.
"""
import base64
import hashlib
import html
import json
import pathlib
import random
import re
import sys
import zipfile

out = pathlib.Path(sys.argv[1]) / "simple"
spec = json.loads(pathlib.Path(sys.argv[2]).read_text())
EPOCH = (1980, 1, 1, 0, 0, 0)
CHUNK = 4 << 20


def normalize(name):  # PEP 503
    return re.sub(r"[-_.]+", "-", name).lower()


def digest(h):
    return "sha256=" + base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()


def entry(path):
    info = zipfile.ZipInfo(path, EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_STORED
    return info


def source(module, version, size):
    """Deterministic Python source of about `size` bytes: a version and a table of constants."""
    lines = [f'"""Offline benchmark stand-in package {module}."""', f'__version__ = "{version}"', ""]
    i = 0
    while sum(len(x) + 1 for x in lines) < size:
        lines.append(f"CONSTANT_{i:05d} = {(i * 2654435761) % 1000003}")
        i += 1
    return ("\n".join(lines) + "\n").encode()


def build_wheel(w):
    name, version, module = w["name"], w["version"], w["module"]
    dist = re.sub(r"[-_.]+", "_", name)
    info = f"{dist}-{version}.dist-info"
    target = out / normalize(name) / f"{dist}-{version}-py3-none-any.whl"
    target.parent.mkdir(parents=True, exist_ok=True)
    record = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        def put(path, data):
            zf.writestr(entry(path), data)
            record.append(f"{path},{digest(hashlib.sha256(data))},{len(data)}")

        put(f"{module}/__init__.py", source(module, version, w.get("code", 2000)))
        for i, size in enumerate(w.get("blobs", [])):
            path = f"{module}/_lib/blob{i:02d}.so"
            rng = random.Random(f"{name}-{version}-{i}")
            h = hashlib.sha256()
            with zf.open(entry(path), "w") as f:
                left = size
                while left > 0:
                    n = min(CHUNK, left)
                    data = rng.randbytes(n)
                    f.write(data)
                    h.update(data)
                    left -= n
            record.append(f"{path},{digest(h)},{size}")
        put(f"{info}/METADATA", (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 f"Summary: Offline benchmark stand-in package {name}\n"
                                 "Requires-Python: >=3.8\n").encode())
        put(f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: bench-wheels.py\n"
                             b"Root-Is-Purelib: true\nTag: py3-none-any\n")
        put(f"{info}/top_level.txt", (module + "\n").encode())
        record.append(f"{info}/RECORD,,")
        zf.writestr(entry(f"{info}/RECORD"), ("\n".join(record) + "\n").encode())
    return target


def page(title, links):
    anchors = "\n".join(f'    <a href="{html.escape(href)}">{html.escape(text)}</a><br/>'
                        for href, text in links)
    return (f"<!DOCTYPE html>\n<html>\n  <head><title>{html.escape(title)}</title></head>\n"
            f"  <body>\n{anchors}\n  </body>\n</html>\n")


wheels = {}
for w in spec["wheels"]:
    path = build_wheel(w)
    wheels.setdefault(normalize(w["name"]), []).append(path)
    print(path.stat().st_size, path, flush=True)

for project, paths in wheels.items():
    links = []
    for p in sorted(paths):
        h = hashlib.sha256()
        with p.open("rb") as f:
            for block in iter(lambda: f.read(CHUNK), b""):
                h.update(block)
        links.append((f"{p.name}#sha256={h.hexdigest()}", p.name))
    (out / project / "index.html").write_text(page(f"Links for {project}", links))
(out / "index.html").write_text(page("Simple index", [(f"{p}/", p) for p in sorted(wheels)]))
