"""Container health probes using only Python's standard library (slim images have no curl).

    python -m mldocker_runtime.healthcheck http <url>
        healthy when the URL answers with a status below 400 within the timeout.
    python -m mldocker_runtime.healthcheck heartbeat <file> <max-age-seconds>
        healthy when the heartbeat file was written less than max-age seconds ago.
    python -m mldocker_runtime.healthcheck process
        healthy while the container's main process runs: a job that writes no heartbeat is
        never marked unhealthy for a long step (its exit ends the container anyway).

Exit code 0 means healthy, 1 unhealthy; the reason goes to stdout (docker inspect shows it).
"""
import os
import sys
import time
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4.0


def probe_http(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (loopback only)
            if response.status >= 400:
                return f"{url} answered {response.status}"
    except urllib.error.HTTPError as err:
        return f"{url} answered {err.code}"
    except (urllib.error.URLError, OSError) as err:
        return f"{url} unreachable: {err}"
    return ""


def probe_heartbeat(path: str, max_age: float) -> str:
    try:
        age = time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return f"no heartbeat yet at {path}"
    if age > max_age:
        return f"heartbeat {path} is {age:.0f}s old (limit {max_age:.0f}s)"
    return ""


def probe_process(stat_path: str = "/proc/1/stat") -> str:
    try:
        with open(stat_path, encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError as err:
        return f"main process not found: {err}"
    # the state follows the command name in parentheses, which may itself hold spaces
    state = stat[stat.rfind(")") + 1:].split()[:1]
    if not state or state[0] in ("Z", "X"):
        return "main process has exited"
    return ""


def main(argv: list) -> int:
    if len(argv) == 2 and argv[0] == "http":
        problem = probe_http(argv[1])
    elif len(argv) == 3 and argv[0] == "heartbeat":
        problem = probe_heartbeat(argv[1], float(argv[2]))
    elif len(argv) == 1 and argv[0] == "process":
        problem = probe_process()
    else:
        print("usage: healthcheck http <url> | heartbeat <file> <max-age-seconds> | process")
        return 1
    if problem:
        print(f"unhealthy: {problem}")
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
