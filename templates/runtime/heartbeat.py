"""Heartbeat for services without a port (workers, trainers).

Call ``beat()`` from the main loop (every step or every few seconds). The image's
HEALTHCHECK runs ``python -m mldocker_runtime.healthcheck heartbeat <file> <max-age>``,
which fails once the file is older than the allowed age, so a hung loop turns the
container unhealthy.
"""
import os
import time

HEARTBEAT_FILE = os.environ.get("MLDOCKER_HEARTBEAT_FILE", "/tmp/heartbeat")


def beat(path: str = HEARTBEAT_FILE) -> None:
    """Record that the process is alive (atomic: write a temp file, then rename)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="ascii") as handle:
        handle.write(f"{time.time():.3f}\n")
    os.replace(tmp, path)
