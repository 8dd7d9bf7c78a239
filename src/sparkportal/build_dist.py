"""Builds the sparkportal package with the standard library alone, offline.

Two uses:

* The portal's build runs ``python3 build_dist.py --version 1.0.0 --out DIR``: it writes the sdist
  ``sparkportal-1.0.0.tar.gz``, the wheel ``sparkportal-1.0.0-py3-none-any.whl`` and the plain module
  ``sparkportal.py``, each with ``__version__`` set to the portal's version.
* It is the sdist's own PEP 517 build backend (``backend-path = ["."]`` in pyproject.toml), so
  ``pip install http://<portal>/downloads/sparkportal-1.0.0.tar.gz`` builds the wheel without fetching a build
  tool from any package index.

The archives are reproducible: fixed timestamps, owners and modes, sorted entries.
"""

import argparse
import base64
import gzip
import hashlib
import io
import os
import re
import sys
import tarfile
import time
import zipfile

NAME = "sparkportal"
HERE = os.path.dirname(os.path.abspath(__file__))
# PEP 440 versions the build accepts (a release, optionally a pre-, post- or dev-release).
VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
VERSION_LINE = re.compile(r'^__version__ = "[^"]*"$', re.MULTILINE)
# 1980-01-02 UTC: zip's epoch is 1980-01-01 local time, one day later is valid everywhere.
TIMESTAMP = int(os.environ.get("SOURCE_DATE_EPOCH", "315619200"))
SUMMARY = "One call from a notebook to a Spark session on Spark Portal"


def _read(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read()


def module_version(source):
    match = re.search(r'^__version__ = "([^"]*)"$', source, re.MULTILINE)
    if not match:
        raise SystemExit("sparkportal.py has no __version__ line")
    return match.group(1)


def stamp(source, version):
    """The module's source with ``__version__`` set to ``version``."""
    if not VERSION.match(version):
        raise SystemExit("build_dist: {!r} is not a PEP 440 version pip accepts (e.g. 1.0.0, 1.1.0rc1)".format(version))
    stamped, count = VERSION_LINE.subn('__version__ = "{}"'.format(version), source)
    if count != 1:
        raise SystemExit("sparkportal.py must have exactly one __version__ line")
    return stamped


def metadata(version, source):
    docstring = re.match(r'\s*"""(.*?)"""', source, re.DOTALL)
    description = docstring.group(1).strip() if docstring else SUMMARY
    return ("Metadata-Version: 2.1\n"
            "Name: {}\n"
            "Version: {}\n"
            "Summary: {}\n"
            "Requires-Python: >=3.8\n"
            "Classifier: Programming Language :: Python :: 3\n"
            "Description-Content-Type: text/plain\n"
            "\n{}\n").format(NAME, version, SUMMARY, description)


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def wheel_bytes(version, source):
    """A py3-none-any wheel holding the module, its METADATA, WHEEL and RECORD (PEP 427)."""
    dist_info = "{}-{}.dist-info".format(NAME, version)
    files = [
        (NAME + ".py", source.encode("utf-8")),
        (dist_info + "/METADATA", metadata(version, source).encode("utf-8")),
        (dist_info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: sparkportal build_dist\n"
                                "Root-Is-Purelib: true\nTag: py3-none-any\n").encode("utf-8")),
    ]
    record = "".join("{},{},{}\n".format(path, _record_hash(data), len(data)) for path, data in files)
    record += dist_info + "/RECORD,,\n"
    files.append((dist_info + "/RECORD", record.encode("utf-8")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            info = zipfile.ZipInfo(path, date_time=_zip_time())
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def _zip_time():
    return time.gmtime(max(TIMESTAMP, 315619200))[:6]


def sdist_bytes(version, source):
    """A source distribution (PEP 517/625): the module, this backend, pyproject.toml and PKG-INFO."""
    root = "{}-{}".format(NAME, version)
    files = [
        ("PKG-INFO", metadata(version, source)),
        ("build_dist.py", _read("build_dist.py")),
        ("pyproject.toml", _read("pyproject.toml")),
        (NAME + ".py", source),
    ]
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=TIMESTAMP, filename="") as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for path, text in sorted(files):
                data = text.encode("utf-8")
                info = tarfile.TarInfo("{}/{}".format(root, path))
                info.size = len(data)
                info.mtime = TIMESTAMP
                info.mode = 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def wheel_name(version):
    return "{}-{}-py3-none-any.whl".format(NAME, version)


def sdist_name(version):
    return "{}-{}.tar.gz".format(NAME, version)


def _write(path, data):
    # Unchanged files keep their timestamps, so an incremental build of the portal stays incremental.
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# --- PEP 517 build backend (pip builds the sdist's wheel with it) -------------------------------------------------


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    source = _read(NAME + ".py")
    version = module_version(source)
    _write(os.path.join(wheel_directory, wheel_name(version)), wheel_bytes(version, source))
    return wheel_name(version)


def build_sdist(sdist_directory, config_settings=None):
    source = _read(NAME + ".py")
    version = module_version(source)
    _write(os.path.join(sdist_directory, sdist_name(version)), sdist_bytes(version, source))
    return sdist_name(version)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Writes the sparkportal sdist, wheel and plain module.")
    parser.add_argument("--version", required=True, help="the portal's version (PEP 440)")
    parser.add_argument("--out", required=True, help="directory to write them to")
    args = parser.parse_args(argv)
    source = stamp(_read(NAME + ".py"), args.version)
    os.makedirs(args.out, exist_ok=True)
    _write(os.path.join(args.out, sdist_name(args.version)), sdist_bytes(args.version, source))
    _write(os.path.join(args.out, wheel_name(args.version)), wheel_bytes(args.version, source))
    _write(os.path.join(args.out, NAME + ".py"), source.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
