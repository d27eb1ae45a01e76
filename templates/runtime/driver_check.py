"""Start-up check of the host's NVIDIA driver for GPU images, then the container's command.

    python -m mldocker_runtime.driver_check <command> [args...]

GPU images run it as their entrypoint, after tini. The minimum driver comes from
MLDOCKER_MIN_DRIVER (set in the image by the same rule as its
dev.projen-ml-docker.min-driver label; MLDOCKER_DRIVER_RULE says why). The host driver is
read from `nvidia-smi --query-gpu=driver_version --format=csv,noheader`, falling back to
/proc/driver/nvidia/version. When the driver is new enough the command replaces this process
(exec: tini stays PID 1 and signals reach the command); otherwise it exits with a message
naming the required and the found versions:

    2  usage error (no command, or MLDOCKER_MIN_DRIVER unset or malformed)
    3  the host driver is older than the image needs
    4  no NVIDIA GPU or driver is visible in the container
    5  a visible GPU's compute capability is outside the image's list

When MLDOCKER_GPU_CAPABILITIES is set (the compute capabilities the image carries kernels for,
separated by spaces or commas, e.g. "7.5 8.0 9.0"), the check also reads each visible GPU's
compute capability (`nvidia-smi --query-gpu=compute_cap --format=csv,noheader`) and stops on a
GPU outside that list: torch would start and then fail at its first kernel with "no kernel
image is available for execution on the device". A driver whose nvidia-smi cannot report the
capability gets a warning and the command starts.

MLDOCKER_SKIP_DRIVER_CHECK=1 skips every check (for hosts you know better, or a smoke test
without a GPU); MLDOCKER_SKIP_GPU_CHECK=1 skips only the compute capability check.
"""
import os
import re
import shutil
import subprocess
import sys

VERSION = re.compile(r"^\d+(\.\d+){1,2}$")
CAPABILITY = re.compile(r"^\d{1,2}\.\d$")
PROC_VERSION_FILE = "/proc/driver/nvidia/version"
EXIT_USAGE, EXIT_TOO_OLD, EXIT_NO_GPU, EXIT_GPU_OUTSIDE = 2, 3, 4, 5


def parse(version: str) -> tuple:
    """`535.104.05` -> (535, 104, 5); two-part versions such as `570.26` get a zero."""
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def from_nvidia_smi() -> tuple:
    """(version or None, what was seen) from nvidia-smi, one line per visible GPU."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None, "nvidia-smi: not found"
    try:
        res = subprocess.run(
            [exe, "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError) as err:
        return None, f"nvidia-smi: {err}"
    versions = [line.strip() for line in res.stdout.splitlines() if VERSION.match(line.strip())]
    if res.returncode != 0 or not versions:
        said = " ".join((res.stdout + " " + res.stderr).split())[:200] or "no output"
        return None, f"nvidia-smi: exit {res.returncode}, {said}"
    # All GPUs of a host share one driver; take the oldest to be safe.
    return min(versions, key=parse), "nvidia-smi"


def from_proc(path: str) -> tuple:
    """(version or None, what was seen) from the kernel module's version file."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None, f"{path}: missing"
    match = re.search(r"Kernel Module(?: for [A-Za-z0-9_]+)?\s+(\d+\.\d+(?:\.\d+)?)", text)
    if match is None:
        return None, f"{path}: no version in it"
    return match.group(1), path


def host_driver(proc_path: str) -> tuple:
    """(version or None, source or the reasons nothing was found)."""
    version, seen_smi = from_nvidia_smi()
    if version:
        return version, seen_smi
    version, seen_proc = from_proc(proc_path)
    if version:
        return version, seen_proc
    return None, f"{seen_smi}; {seen_proc}"


def check(minimum: str, rule: str, proc_path: str) -> tuple:
    """(exit code, message); exit code 0 means the command may start."""
    found, source = host_driver(proc_path)
    why = f" ({rule})" if rule else ""
    if found is None:
        return EXIT_NO_GPU, (
            f"driver check failed: no NVIDIA GPU is visible in this container ({source}); "
            f"this image needs NVIDIA driver >= {minimum}{why}. Start it with GPUs on a host with "
            "the NVIDIA driver and the NVIDIA Container Toolkit (compose: "
            "deploy.resources.reservations.devices; docker run --gpus all), or set "
            "MLDOCKER_SKIP_DRIVER_CHECK=1 to start anyway."
        )
    if parse(found) < parse(minimum):
        return EXIT_TOO_OLD, (
            f"driver check failed: the host NVIDIA driver is {found} (from {source}), but this "
            f"image needs >= {minimum}{why}. Upgrade the host driver, or build the image for "
            "this driver (set hostDriverVersion to the oldest driver of your GPU hosts in "
            ".projenrc.ts and run npx projen). MLDOCKER_SKIP_DRIVER_CHECK=1 starts anyway."
        )
    return 0, f"driver check: host NVIDIA driver {found} (from {source}) >= {minimum}: ok"


def parse_capabilities(text: str):
    """"7.5 8.0,9.0" -> ["7.5", "8.0", "9.0"]; None when an entry is no capability."""
    entries = [e for e in re.split(r"[\s,;]+", text.strip()) if e]
    if not entries or not all(CAPABILITY.match(e) for e in entries):
        return None
    return entries


def gpu_capabilities() -> tuple:
    """(capabilities, one per visible GPU, or None; what was seen) from nvidia-smi."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None, "nvidia-smi: not found"
    try:
        res = subprocess.run(
            [exe, "--query-gpu=compute_cap", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError) as err:
        return None, f"nvidia-smi: {err}"
    lines = [line.strip() for line in res.stdout.splitlines() if line.strip()]
    if res.returncode != 0 or not lines or not all(CAPABILITY.match(c) for c in lines):
        said = " ".join((res.stdout + " " + res.stderr).split())[:200] or "no output"
        return None, f"nvidia-smi: exit {res.returncode}, {said}"
    return lines, "nvidia-smi"


def check_capabilities(allowed: list) -> tuple:
    """(exit code, message) of the compute capability check; 0 lets the command start."""
    found, source = gpu_capabilities()
    listed = ", ".join(allowed)
    if found is None:
        return 0, (
            f"gpu check: warning: the GPUs' compute capability could not be read ({source}); "
            f"this image carries kernels for compute capabilities {listed} only. Starting anyway."
        )
    outside = [f"GPU {i} has compute capability {c}" for i, c in enumerate(found) if c not in allowed]
    if outside:
        return EXIT_GPU_OUTSIDE, (
            f"gpu check failed: {'; '.join(outside)}, but this image carries kernels for compute "
            f"capabilities {listed} only, so torch would fail at its first kernel (\"no kernel image is "
            "available for execution on the device\"). Run it on a GPU of that list, or add this GPU "
            "to gpuFleet in .projenrc.ts, run npx projen and rebuild the image. "
            "MLDOCKER_SKIP_GPU_CHECK=1 starts anyway."
        )
    return 0, f"gpu check: compute capability {', '.join(sorted(set(found)))} (from {source}) is in {listed}: ok"


def skipped(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")


def main(argv: list) -> int:
    if not argv:
        print("usage: python -m mldocker_runtime.driver_check <command> [args...]", file=sys.stderr)
        return EXIT_USAGE
    if skipped("MLDOCKER_SKIP_DRIVER_CHECK"):
        print("driver check: skipped (MLDOCKER_SKIP_DRIVER_CHECK is set)", file=sys.stderr, flush=True)
    else:
        minimum = os.environ.get("MLDOCKER_MIN_DRIVER", "")
        if not VERSION.match(minimum):
            print(f"driver check: MLDOCKER_MIN_DRIVER is {minimum!r}, expected a driver version "
                  "such as 525.60.13", file=sys.stderr)
            return EXIT_USAGE
        rule = os.environ.get("MLDOCKER_DRIVER_RULE", "")
        proc_path = os.environ.get("MLDOCKER_NVIDIA_VERSION_FILE", PROC_VERSION_FILE)
        capabilities = os.environ.get("MLDOCKER_GPU_CAPABILITIES")
        allowed = None
        if capabilities is not None and not skipped("MLDOCKER_SKIP_GPU_CHECK"):
            allowed = parse_capabilities(capabilities)
            if allowed is None:
                print(f"gpu check: MLDOCKER_GPU_CAPABILITIES is {capabilities!r}, expected compute "
                      "capabilities such as \"7.5 8.0 9.0\"", file=sys.stderr)
                return EXIT_USAGE
        code, message = check(minimum, rule, proc_path)
        print(message, file=sys.stderr, flush=True)
        if code != 0:
            return code
        if allowed is not None:
            code, message = check_capabilities(allowed)
            print(message, file=sys.stderr, flush=True)
            if code != 0:
                return code
    try:
        os.execvp(argv[0], argv)
    except OSError as err:
        print(f"driver check: cannot run {argv[0]!r}: {err}", file=sys.stderr)
        return 127
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
