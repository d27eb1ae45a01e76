"""Reach a backing service from inside an app container, the way the app would.

    docker compose exec -T api python - redis|postgres  < probe-backing.py

Uses only what compose gives the app: a URL without a password (REDIS_URL, DATABASE_URL)
plus the path of the password file (*_PASSWORD_FILE), and only the standard library
(raw sockets: RESP for redis, the PostgreSQL wire protocol with SCRAM-SHA-256). Prints one
JSON object; each probe also tries a wrong password, which must be refused.
"""
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
from urllib.parse import urlsplit


def secret(env_name):
    with open(os.environ[env_name], encoding="utf-8") as handle:
        return handle.read().rstrip("\n")


def redis_probe():
    url = urlsplit(os.environ["REDIS_URL"])
    password = secret("REDIS_PASSWORD_FILE")

    def talk(*commands):
        payload = b""
        for command in commands:
            args = [a.encode() for a in command]
            payload += b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
        with socket.create_connection((url.hostname, url.port or 6379), timeout=5) as sock:
            sock.sendall(payload)
            replies = sock.makefile("rb")
            return [replies.readline().decode().rstrip("\r\n") for _ in commands]

    return {
        "url": os.environ["REDIS_URL"],
        "without_auth": talk(["PING"]),
        "wrong_password": talk(["AUTH", "wrong-" + password], ["PING"]),
        "with_secret": talk(["AUTH", password], ["PING"]),
    }


class PgError(Exception):
    pass


def pg_query(host, port, user, database, password, sql):
    """Log in with SCRAM-SHA-256 and run one simple query; returns the rows."""
    sock = socket.create_connection((host, port), timeout=10)
    reader = sock.makefile("rb")

    def send(kind, body):
        sock.sendall(kind + struct.pack("!I", len(body) + 4) + body)

    def receive():
        head = reader.read(5)
        if len(head) < 5:
            raise PgError("connection closed")
        body = reader.read(struct.unpack("!I", head[1:])[0] - 4)
        if head[:1] == b"E":
            fields = {part[:1].decode(): part[1:].decode() for part in body.split(b"\0") if part}
            raise PgError(f"{fields.get('C')} {fields.get('M')}")
        return head[:1], body

    try:
        send(b"", struct.pack("!I", 196608) + b"user\0%s\0database\0%s\0\0" % (user.encode(), database.encode()))
        kind, body = receive()
        code = struct.unpack("!I", body[:4])[0]
        mechanisms = [m.decode() for m in body[4:].split(b"\0") if m]
        if kind != b"R" or code != 10 or "SCRAM-SHA-256" not in mechanisms:
            raise PgError(f"expected a SCRAM-SHA-256 password request, got {kind!r} {code} {mechanisms}")
        client_first_bare = "n=,r=" + base64.b64encode(os.urandom(18)).decode()
        first = ("n,," + client_first_bare).encode()
        send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
        _, body = receive()
        server_first = body[4:].decode()
        attrs = dict(item.split("=", 1) for item in server_first.split(","))
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        without_proof = "c=biws,r=" + attrs["r"]
        message = ",".join([client_first_bare, server_first, without_proof]).encode()
        signature = hmac.new(hashlib.sha256(client_key).digest(), message, "sha256").digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
        send(b"p", (without_proof + ",p=" + proof).encode())
        while receive()[0] != b"Z":  # SASL final, AuthenticationOk, parameters, ReadyForQuery
            pass
        send(b"Q", sql.encode() + b"\0")
        rows = []
        while True:
            kind, body = receive()
            if kind == b"Z":
                break
            if kind == b"D":
                row, pos = [], 2
                for _ in range(struct.unpack("!H", body[:2])[0]):
                    length = struct.unpack("!i", body[pos:pos + 4])[0]
                    pos += 4
                    row.append(None if length < 0 else body[pos:pos + length].decode())
                    pos += max(length, 0)
                rows.append(row)
        send(b"X", b"")
        return rows
    finally:
        sock.close()


def postgres_probe():
    url = urlsplit(os.environ["DATABASE_URL"])
    password = secret("POSTGRES_PASSWORD_FILE")
    target = (url.hostname, url.port or 5432, url.username, url.path.lstrip("/"))
    try:
        pg_query(*target, "wrong-" + password, "SELECT 1")
        wrong = "accepted"
    except PgError as err:
        wrong = str(err)
    return {
        "url": os.environ["DATABASE_URL"],
        "wrong_password": wrong,
        "with_secret": pg_query(*target, password, "SELECT current_user, current_database(), current_setting('server_version')"),
    }


print(json.dumps({"redis": redis_probe, "postgres": postgres_probe}[sys.argv[1]]()))
