"""Build-time check of the torch family: are torch, torchvision and torchaudio the paired builds?

    python -m mldocker_runtime.torch_check torch==2.4.1+cu124 torchvision==0.19.1+cu124 ...

Each argument is a package and the exact build the wheel matrix pairs with the image's torch
release, local label included (+cu124, +cpu). torch must be installed as given; torchvision and
torchaudio need not be installed, but when they are, they must be that build: a build for
another CUDA major (PyPI's default, pulled in by another package) breaks at first import.
Reads the installed packages' metadata only (importlib.metadata): nothing is imported.
Exit 0 silently when every build agrees; otherwise every mismatch goes to stderr with the fix,
and the exit code is 1, which fails the docker build.
"""
import importlib.metadata
import sys

# torch is never optional: the torch tier installs it.
REQUIRED = "torch"


def installed(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def problems(expected):
    torch = expected.get(REQUIRED)
    out = []
    for name, want in expected.items():
        found = installed(name)
        if found is None:
            if name == REQUIRED:
                out.append(f"{name} is not installed; expected {name} {want} from the torch tier")
            continue
        if found.lower() == want.lower():
            continue
        if name == REQUIRED:
            fix = ("a package of a later tier replaced it: pin it in no tier "
                   "(torch comes from torchVersion alone)")
        else:
            fix = (f"add TorchPackage.{name.upper()} to the service's torchPackages, so the torch tier "
                   f"installs {name} {want} from the torch index")
        paired = f" (paired with torch {torch})" if name != REQUIRED and torch else ""
        out.append(f"{name} {found} is installed, but this image's torch build needs {name} {want}"
                   f"{paired}; fix: {fix}")
    return out


def main(argv):
    expected = {}
    for arg in argv:
        name, sep, version = arg.partition("==")
        if not sep or not name or not version:
            print(f"torch check: bad argument {arg!r}; expected name==version", file=sys.stderr)
            return 2
        expected[name] = version
    found = problems(expected)
    for line in found:
        print(f"torch check: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
