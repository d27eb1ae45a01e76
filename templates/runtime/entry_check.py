"""Build-time entry check: can the service's command find its entry in this image?

    python -m mldocker_runtime.entry_check --command=<command> [--root=DIR]...
        [--module=NAME]... [--main-module=NAME]... [--module-or-attribute=NAME]...
        [--file=PATH]... [--executable=PATH]... [--program=NAME]...

--module must be importable; --main-module too, and a package needs a __main__ module
(python -m runs it); --module-or-attribute may name an attribute of its parent module
(celery -A pkg.app). Top-level names are looked up with importlib.util.find_spec, the parts
below with importlib.machinery.PathFinder, so no package __init__ of the project runs.
--file must exist; --executable must exist and be executable by this user (the container runs
it directly: without the bit, exec fails with "permission denied"); --program must be on PATH. The --root folders go first on sys.path, as the
launcher puts them. Exit 0 silently when everything is found; otherwise every failure goes to
stderr and the exit code is 1, which fails the docker build.
"""
import argparse
import importlib.machinery
import importlib.util
import os
import shutil
import sys


def find(name):
    parts = name.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return None
    for part in parts[1:]:
        if spec is None or spec.submodule_search_locations is None:
            return None
        # the bare name: a dotted one makes a namespace child look its parent up in sys.modules
        spec = importlib.machinery.PathFinder.find_spec(part, list(spec.submodule_search_locations))
    return spec


def has_main(spec):
    locations = spec.submodule_search_locations
    return locations is None or importlib.machinery.PathFinder.find_spec("__main__", list(locations)) is not None


def failures_of(args):
    failures = []
    searched = ", ".join(args.root) or "sys.path"
    modules = [(name, False, False) for name in args.module]
    modules += [(name, True, False) for name in args.main_module]
    modules += [(name, False, True) for name in args.module_or_attribute]
    for name, needs_main, may_be_attribute in modules:
        spec = find(name)
        if spec is None and may_be_attribute and "." in name:
            spec = find(name.rsplit(".", 1)[0])
        if spec is None:
            failures.append("module %r cannot be found (searched %s and the installed packages)" % (name, searched))
        elif needs_main and not has_main(spec):
            failures.append("package %r has no __main__ module, so python -m cannot run it" % name)
    for path in args.file:
        if not os.path.isfile(path):
            failures.append("file %s is not in the image" % path)
    for path in args.executable:
        if not os.path.isfile(path):
            failures.append("file %s is not in the image" % path)
        elif not os.access(path, os.X_OK):
            failures.append(
                "file %s is not executable (mode %s), so the container cannot run it: mark it executable in the"
                " repository (chmod +x, and git update-index --chmod=+x for a checkout)" % (path, oct(os.stat(path).st_mode & 0o7777)[2:].zfill(4))
            )
    for program in args.program:
        if shutil.which(program) is None:
            failures.append("program %r is not on PATH" % program)
    return failures


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m mldocker_runtime.entry_check", allow_abbrev=False)
    parser.add_argument("--command", required=True)
    for flag in ("--root", "--module", "--main-module", "--module-or-attribute", "--file", "--executable", "--program"):
        parser.add_argument(flag, action="append", default=[])
    args = parser.parse_args(argv)
    sys.path[:0] = args.root
    failures = failures_of(args)
    if not failures:
        return 0
    sys.stderr.write("entry check failed: the command %r cannot start in this image:\n" % args.command)
    for failure in failures:
        sys.stderr.write("  - %s\n" % failure)
    sys.stderr.write("fix the service's command or sources in .projenrc.ts (or turn the entry check off for it)\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
