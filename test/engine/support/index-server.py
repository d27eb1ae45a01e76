"""A tiny PEP 503 index for the real-engine tests: serves a wheelhouse directory.

    python3 index-server.py DIR PORT USER:PASSWORD

/simple/...          open, like a public mirror
/private/simple/...  the same files behind HTTP basic auth (USER:PASSWORD), like a private
                     index; answers 401 without the right credentials

Prints "port N" once listening: PORT if it is free, else one the system picks (a stable
port keeps the PIP_INDEX_URL build arg, and so Docker's layer cache, the same run to run). Every request is logged to stdout
as "<path> auth=<none|ok|bad>", so a test can tell whether pip sent the credentials.
"""
import base64
import functools
import http.server
import sys

directory, port, credentials = sys.argv[1], int(sys.argv[2]), sys.argv[3]
EXPECTED = "Basic " + base64.b64encode(credentials.encode()).decode()


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        header = self.headers.get("Authorization")
        auth = "none" if header is None else ("ok" if header == EXPECTED else "bad")
        print(f"{self.path} auth={auth}", flush=True)
        if self.path.startswith("/private/"):
            if auth != "ok":
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="private"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.path = self.path[len("/private"):]
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


handler = functools.partial(Handler, directory=directory)
try:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
except OSError:  # taken: any free port
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
