"""Model weights fetched and checked against models.lock (standard library only).

    python -m mldocker_runtime.weights fetch <manifest>
    python -m mldocker_runtime.weights check <manifest> <command> [args...]

The manifest (docker/<service>/models.json, made from models.lock at synthesis) lists every
file of the service's models: where it comes from, where it lands, its size and sha256.

`fetch` (the image's weights stage, at build) downloads each file of a Hugging Face model
from $HF_ENDPOINT (default https://huggingface.co, as huggingface_hub reads it) at the locked
revision, or from its URL, and checks every file, a repository folder's copied ones included.
`check` (the prod image's entrypoint, before the server) checks every file, then the command
replaces this process (exec: tini stays PID 1). A file that is missing, or whose size or
sha256 differs from the lock, stops either with its path named:

    2  usage error (no command, unreadable manifest)
    3  a file is missing or differs from models.lock
    4  a download failed
"""
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request

EXIT_USAGE, EXIT_DIFFERS, EXIT_DOWNLOAD = 2, 3, 4
CHUNK = 1 << 20


def fail(code: int, message: str) -> None:
    print(f"weights: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def load(manifest: str) -> list:
    try:
        with open(manifest, encoding="utf-8") as f:
            files = json.load(f)["files"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        fail(EXIT_USAGE, f"cannot read the manifest {manifest}: {err}")
    return files


def origin(entry: dict) -> str:
    """How models.lock names the model a file belongs to."""
    if entry["source"] == "huggingface":
        return f"huggingface {entry['from']}@{entry['revision']}"
    return f"{entry['source']} {entry['from']}"


def digest(path: str) -> tuple:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def verify(entry: dict) -> None:
    dest = entry["dest"]
    if not os.path.isfile(dest):
        fail(EXIT_DIFFERS, f"{dest}: missing (models.lock: {origin(entry)}, {entry['path']})")
    size, sha = digest(dest)
    if size != entry["size"] or sha != entry["sha256"]:
        fail(EXIT_DIFFERS, f"{dest}: sha256 {sha} ({size} bytes) differs from models.lock: "
             f"sha256 {entry['sha256']} ({entry['size']} bytes), {origin(entry)}, {entry['path']}")


def url_of(entry: dict) -> str:
    if entry["source"] == "url":
        return entry["from"]
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    path = urllib.parse.quote(entry["path"])
    return f"{endpoint.rstrip('/')}/{entry['from']}/resolve/{entry['revision']}/{path}"


def download(entry: dict) -> None:
    url = url_of(entry)
    dest = entry["dest"]
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    part = dest + ".part"
    try:
        with urllib.request.urlopen(url, timeout=60) as res, open(part, "wb") as out:
            for chunk in iter(lambda: res.read(CHUNK), b""):
                out.write(chunk)
    except OSError as err:
        fail(EXIT_DOWNLOAD, f"{dest}: cannot download {url}: {err}")
    os.replace(part, dest)
    os.chmod(dest, 0o644)


def main(argv: list) -> None:
    if len(argv) < 2 or argv[0] not in ("fetch", "check") or (argv[0] == "check" and len(argv) < 3):
        fail(EXIT_USAGE, "usage: weights fetch <manifest> | weights check <manifest> <command> [args...]")
    action, manifest = argv[0], argv[1]
    files = load(manifest)
    for entry in files:
        if action == "fetch" and entry["source"] != "path":
            download(entry)
        verify(entry)
    total = sum(e["size"] for e in files)
    print(f"weights: {len(files)} file(s), {total} bytes, match models.lock", file=sys.stderr, flush=True)
    if action == "check":
        command = argv[2:]
        try:
            os.execvp(command[0], command)
        except OSError as err:
            fail(EXIT_USAGE, f"cannot start {command[0]}: {err}")


if __name__ == "__main__":
    main(sys.argv[1:])
