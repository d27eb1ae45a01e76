"""A loopback PyPI mirror over the offline copies of PyPI a machine may carry, for the
real-package engine tests (test/engine/real-*.test.ts) and the build benchmark.

    python3 pip-mirror.py find
        Prints, one a line, the folders it would serve: `simple DIR` for each PEP 503 index
        (a folder `simple` holding `numpy/index.html`) and `wheels DIR` for each flat folder of
        wheels holding a `torch-*+cpu*.whl`, found at most MAX_DEPTH levels below a top-level
        folder of the machine (/opt, /srv, ...; /proc, /sys, /dev, /run, /tmp and /boot are
        skipped). Exit 1, with the reason on stderr, when no index is found.

    python3 pip-mirror.py serve PORT [simple DIR | wheels DIR]...
        Serves them on 127.0.0.1:PORT (another free port when PORT is taken) and prints
        `port N` once listening. No folder is copied or written; the pages are made in memory.

The mirror has two indexes, as the public ones a Dockerfile names:
  /simple/       PyPI: every project of every index found, merged (the first index holding a
                 file name wins), plus the flat folders' wheels that carry no local version label.
  /whl/<label>/  PyTorch's per-variant index (download.pytorch.org/whl/cpu/): the wheels whose
                 version has that local label (`torch-2.13.0+cpu-...whl` is in /whl/cpu/), plus
                 every version of the projects they depend on, transitively, from /simple/ (as
                 PyTorch's own index carries filelock, sympy, jinja2, ...). So a torch tier
                 installed with `--index-url <mirror>/whl/cpu/` resolves on its own, and the
                 default index (/simple/) keeps only what PyPI has: torch's default CUDA build.
Files are served under /files/<sha256>/<name>; every page link carries `#sha256=` (taken from
the index page, or computed for a flat folder's wheel), so pip checks what it downloads.
Each request is logged to stdout as `<path> <status>`.
"""
import hashlib
import html
import http.server
import os
import re
import shutil
import sys
import urllib.parse
import zipfile

MAX_DEPTH = 5
SKIPPED_TOP = {"proc", "sys", "dev", "run", "tmp", "boot", "lost+found"}
ANCHOR = re.compile(r"<a\s+([^>]*?)>([^<]*)</a>", re.I)
HREF = re.compile(r"""\bhref\s*=\s*(["'])(.*?)\1""", re.I)
# data-requires-python and friends (PEP 503, 592, 658): passed on unchanged, without the href.
EXTRA_ATTRIBUTES = re.compile(r"""\b(data-[a-z-]+)\s*=\s*(["'])(.*?)\2""", re.I)


def normalize(name):  # PEP 503
    return re.sub(r"[-_.]+", "-", name).lower()


def find():
    indexes, wheel_dirs = [], []
    for top in sorted(os.listdir("/")):
        base = os.path.join("/", top)
        if top in SKIPPED_TOP or not os.path.isdir(base) or os.path.islink(base):
            continue
        for root, dirs, files in os.walk(base, onerror=lambda _e: None):
            depth = root[len(base):].count(os.sep)
            if depth >= MAX_DEPTH - 1:
                dirs[:] = []
            dirs.sort()
            index = os.path.join(root, "numpy", "index.html")
            if os.path.basename(root) == "simple" and os.path.isfile(index):
                indexes.append(root)
                dirs[:] = []  # the projects of an index hold no other index
                continue
            if any(f.startswith("torch-") and "+cpu" in f and f.endswith(".whl") for f in files):
                wheel_dirs.append(root)
    return indexes, wheel_dirs


def wheel_name(filename):
    """(normalized project, version) of a wheel or sdist file name, or None."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return (normalize(parts[0]), parts[1]) if len(parts) >= 5 else None
    m = re.match(r"^(.+?)-(\d[^-]*)\.(tar\.gz|zip)$", filename)
    return (normalize(m.group(1)), m.group(2)) if m else None


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Mirror:
    def __init__(self, sources):
        self.files = {}  # sha256 -> path
        self.simple = {}  # project -> {filename: (sha256, attributes)}
        self.variants = {}  # local label -> project -> {filename: (sha256, attributes)}
        for kind, folder in sources:
            if kind == "simple":
                self.add_index(folder)
            elif kind == "wheels":
                self.add_wheels(folder)
            else:
                raise SystemExit("unknown source kind %r (expected simple or wheels)" % kind)
        for label in self.variants:
            self.add_dependencies(self.variants[label])

    def add(self, table, project, filename, path, sha, attributes=""):
        entries = table.setdefault(project, {})
        if filename not in entries:
            entries[filename] = (sha, attributes)
            self.files.setdefault(sha, path)

    def add_index(self, folder):
        for project in sorted(os.listdir(folder)):
            page = os.path.join(folder, project, "index.html")
            if not os.path.isfile(page):
                continue
            with open(page, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for attrs, _label in ANCHOR.findall(text):
                href = HREF.search(attrs)
                if not href:
                    continue
                target, _, fragment = html.unescape(href.group(2)).partition("#")
                sha = fragment[len("sha256="):] if fragment.startswith("sha256=") else None
                path = os.path.normpath(os.path.join(folder, project, urllib.parse.unquote(target)))
                if not os.path.isfile(path):
                    continue
                filename = os.path.basename(path)
                extra = " ".join('%s="%s"' % (m.group(1), m.group(3))
                                 for m in EXTRA_ATTRIBUTES.finditer(attrs))
                self.add(self.simple, normalize(project), filename, path, sha or sha256_of(path), extra)

    def add_wheels(self, folder):
        for filename in sorted(os.listdir(folder)):
            named = wheel_name(filename)
            if not named:
                continue
            project, version = named
            path = os.path.join(folder, filename)
            label = version.partition("+")[2]
            table = self.variants.setdefault(label, {}) if label else self.simple
            self.add(table, project, filename, path, sha256_of(path))

    def requirements_of(self, sha):
        """Names of what a wheel requires outside extras (its METADATA's Requires-Dist)."""
        path = self.files[sha]
        if not path.endswith(".whl"):
            return []
        try:
            with zipfile.ZipFile(path) as z:
                meta = next((n for n in z.namelist()
                             if n.count("/") == 1 and n.endswith(".dist-info/METADATA")), None)
                text = z.read(meta).decode("utf-8", "replace") if meta else ""
        except (OSError, zipfile.BadZipFile):
            return []
        names = []
        for line in text.split("\n\n", 1)[0].splitlines():
            if line.startswith("Requires-Dist:") and "extra ==" not in line:
                m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line[len("Requires-Dist:"):])
                if m:
                    names.append(normalize(m.group(1)))
        return names

    def add_dependencies(self, table):
        todo = [name for entries in table.values() for sha, _ in entries.values()
                for name in self.requirements_of(sha)]
        seen = set(table)
        while todo:
            project = todo.pop()
            if project in seen or project not in self.simple:
                continue
            seen.add(project)
            table[project] = dict(self.simple[project])
            todo += [name for sha, _ in table[project].values() for name in self.requirements_of(sha)]


def page(title, links):
    body = "\n".join('<a href="%s"%s>%s</a><br/>'
                     % (html.escape(href), (" " + attrs) if attrs else "", html.escape(text))
                     for href, text, attrs in links)
    return ("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\">"
            "<title>%s</title></head><body>\n%s\n</body></html>\n" % (html.escape(title), body)).encode()


def serve(port, mirror):
    def index_of(path):
        """The project table a path's index prefix selects, and the rest of the path."""
        if path.startswith("/simple/"):
            return mirror.simple, path[len("/simple/"):]
        m = re.match(r"^/whl/([^/]+)/(.*)$", path)
        if m and m.group(1) in mirror.variants:
            return mirror.variants[m.group(1)], m.group(2)
        return None, None

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, status, body=b"", content_type="text/html; charset=utf-8", path=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(os.path.getsize(path) if path else len(body)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if path:
                with open(path, "rb") as f:
                    shutil.copyfileobj(f, self.wfile, 1 << 20)
            else:
                self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server naming)
            path = urllib.parse.urlparse(self.path).path
            status = self.route(path)
            print("%s %d" % (path, status), flush=True)

        do_HEAD = do_GET

        def route(self, path):
            m = re.match(r"^/files/([0-9a-f]{64})/([^/]+)$", path)
            if m and m.group(1) in mirror.files:
                self.reply(200, content_type="application/octet-stream", path=mirror.files[m.group(1)])
                return 200
            table, rest = index_of(path)
            if table is not None and rest == "":
                self.reply(200, page("Simple index", [(p + "/", p, "") for p in sorted(table)]))
                return 200
            if table is not None and rest.endswith("/") and rest.count("/") == 1:
                project = normalize(rest[:-1])
                if project != rest[:-1]:  # PEP 503: redirect to the normalized name
                    self.send_response(301)
                    self.send_header("Location", path[: len(path) - len(rest)] + project + "/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return 301
                if project in table:
                    links = [("/files/%s/%s#sha256=%s" % (sha, urllib.parse.quote(name), sha), name, attrs)
                             for name, (sha, attrs) in sorted(table[project].items())]
                    self.reply(200, page("Links for " + project, links))
                    return 200
            self.reply(404, b"not found\n", "text/plain")
            return 404

        def log_message(self, *args):
            pass

    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError:  # taken: any free port
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    variants = sorted(mirror.variants.items())
    labels = "".join(", /whl/%s/ %d projects" % (label, len(t)) for label, t in variants)
    print("serving /simple/ %d projects%s" % (len(mirror.simple), labels), flush=True)
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


def main(argv):
    if argv[:1] == ["find"]:
        indexes, wheel_dirs = find()
        if not indexes:
            tops = ", ".join("/" + t for t in sorted(os.listdir("/"))
                             if t not in SKIPPED_TOP and os.path.isdir("/" + t))
            sys.stderr.write("no folder simple/ holding numpy/index.html within %d levels of %s\n"
                             % (MAX_DEPTH, tops))
            return 1
        for folder in indexes:
            print("simple " + folder)
        for folder in wheel_dirs:
            print("wheels " + folder)
        return 0
    if argv[:1] == ["serve"] and len(argv) >= 2 and len(argv) % 2 == 0:
        sources = list(zip(argv[2::2], argv[3::2]))
        serve(int(argv[1]), Mirror(sources))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
