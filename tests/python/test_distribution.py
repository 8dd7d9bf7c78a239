"""The package as the portal serves it: sdist, wheel and plain module at /downloads/, the portal's version."""

import base64
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import urllib.request
import zipfile

import pytest

from conftest import portal_version


@pytest.fixture(scope="session")
def version():
    return portal_version()


def download(portal, path):
    with urllib.request.urlopen(portal.url + path, timeout=60) as response:
        assert response.status == 200
        return response.read()


def test_pip_installs_the_served_sdist_offline_with_the_portals_version(portal, version, tmp_path):
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
         "--target", str(target), "{}downloads/sparkportal-{}.tar.gz".format(portal.url, version)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    probe = subprocess.run([sys.executable, "-c", "import sparkportal; print(sparkportal.__version__, sparkportal.__file__)"],
                           capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(target)), timeout=60)
    installed_version, installed_file = probe.stdout.split()
    assert installed_version == version
    assert installed_file.startswith(str(target))


def test_pip_installs_the_served_wheel(portal, version, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
         "--target", str(tmp_path), "{}downloads/sparkportal-{}-py3-none-any.whl".format(portal.url, version)],
        capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "sparkportal.py").exists()


def test_the_wheels_record_lists_every_file_with_its_hash_and_size(portal, version):
    wheel = zipfile.ZipFile(io.BytesIO(download(portal, "downloads/sparkportal-{}-py3-none-any.whl".format(version))))
    dist_info = "sparkportal-{}.dist-info".format(version)
    record = wheel.read(dist_info + "/RECORD").decode().splitlines()

    listed = {line.split(",")[0]: line for line in record}
    assert sorted(listed) == sorted(wheel.namelist())
    for path, line in listed.items():
        if path == dist_info + "/RECORD":
            assert line == path + ",,"
            continue
        data = wheel.read(path)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert line == "{},sha256={},{}".format(path, digest, len(data))
    assert "Version: {}\n".format(version) in wheel.read(dist_info + "/METADATA").decode()
    assert "Tag: py3-none-any" in wheel.read(dist_info + "/WHEEL").decode()


def test_the_sdist_holds_the_module_its_own_build_backend_and_pkg_info(portal, version):
    sdist = tarfile.open(fileobj=io.BytesIO(download(portal, "downloads/sparkportal-{}.tar.gz".format(version))))
    root = "sparkportal-{}/".format(version)

    assert sorted(sdist.getnames()) == [root + n for n in ("PKG-INFO", "build_dist.py", "pyproject.toml", "sparkportal.py")]
    assert "Version: {}\n".format(version) in sdist.extractfile(root + "PKG-INFO").read().decode()
    assert 'backend-path = ["."]' in sdist.extractfile(root + "pyproject.toml").read().decode()


def test_the_plain_module_is_served_with_the_portals_version(portal, version):
    module = download(portal, "downloads/sparkportal.py").decode()

    assert '\n__version__ = "{}"\n'.format(version) in module
