"""The real portal for the sparkportal tests: `dotnet run` of the built Portal.Web (as tests/run.sh builds it), on a
free loopback port, on a throwaway PostgreSQL server started here (as tests/Portal.Testing/PostgresServer.cs does),
with the embedded Kubernetes sandbox. Nothing is replaced: the API, identity and the reconciler are the production
ones. The package is imported from the wheel the portal serves at /downloads/.
"""

import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections import deque

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIGURATION = os.environ.get("PORTAL_TEST_CONFIGURATION", "Debug")
ADMIN_PASSWORD = "py-admin-Password-1"
# Images of Spark 4.1 never pull in this sandbox, so a cluster of that version goes Failed (ImagePullBackOff).
FAILING_SPARK_VERSION = "4.1.2"
START_CEILING = 240  # seconds for the portal to listen on a loaded machine
# The portal's whole output, for reading after a failure (tests/run.sh clears artifacts/test-results each run).
LOG = os.path.join(ROOT, "artifacts", "test-results", "sparkportal-portal.log")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL server on a free 127.0.0.1 port (as the postgres OS user when running as root)."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else -1)
        if not bins:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run tests/run.sh "
                               "or apt-get install postgresql")
        self.bin = os.path.dirname(bins[-1])
        self.as_postgres = os.geteuid() == 0
        self.directory = os.path.join("/tmp" if self.as_postgres else tempfile.gettempdir(), "portal-pg-" + uuid.uuid4().hex)
        self.port = None

    def _run(self, *command):
        if self.as_postgres:
            command = ("runuser", "-u", "postgres", "--") + command
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = os.path.join(self.directory, "server.log")
            raise RuntimeError("{} exited with {}:\n{}\n{}\n{}".format(
                " ".join(command), done.returncode, done.stdout, done.stderr,
                open(log).read() if os.path.exists(log) else ""))

    def start(self):
        if self.as_postgres:
            self._run("mkdir", "-m", "700", self.directory)
        else:
            os.makedirs(self.directory)
        data = os.path.join(self.directory, "data")
        # Trust authentication only because the server listens on loopback and lives for one run.
        self._run(os.path.join(self.bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        for attempt in range(3):
            self.port = _free_port()
            try:
                self._run(os.path.join(self.bin, "pg_ctl"), "-D", data, "-l", os.path.join(self.directory, "server.log"),
                          "-w", "-t", "60", "start", "-o",
                          "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off "
                          "-c full_page_writes=off".format(self.port, self.directory))
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        self._run(os.path.join(self.bin, "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "portal")
        return "Host=127.0.0.1;Port={};Username=postgres;Database=portal".format(self.port)

    def stop(self):
        try:
            if os.path.exists(os.path.join(self.directory, "data", "postmaster.pid")):
                self._run(os.path.join(self.bin, "pg_ctl"), "-D", os.path.join(self.directory, "data"),
                          "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


class RunningPortal:
    """`dotnet run --no-build` of src/Portal.Web, as the README starts it, on embedded defaults but PostgreSQL."""

    def __init__(self, connection_string):
        self.data = tempfile.mkdtemp(prefix="portal-py-")
        self.env = dict(os.environ)
        self.env.update({
            "ASPNETCORE_ENVIRONMENT": "Development",
            "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
            "DOTNET_NOLOGO": "1",
            "ConnectionStrings__Portal": connection_string,
            "Portal__DataDirectory": self.data,
            "Portal__Bootstrap__AdminPassword": ADMIN_PASSWORD,
            "Sandbox__ImagePullFailurePattern": r":4\.1\.",
            # Pods take 4 s to start, so a cluster is surely not Running one second after it was asked for.
            "Sandbox__PodStartDelay": "00:00:04",
        })
        self.output = deque(maxlen=60)
        self.process = None
        self.url = None

    def _dotnet(self, *arguments):
        return ["dotnet", "run", "--no-build", "--no-launch-profile", "--configuration", CONFIGURATION,
                "--project", os.path.join(ROOT, "src", "Portal.Web"), "--"] + list(arguments)

    def start(self):
        self.process = subprocess.Popen(self._dotnet("--urls", "http://127.0.0.1:0"), cwd=self.data, env=self.env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)
        listening = threading.Event()

        os.makedirs(os.path.dirname(LOG), exist_ok=True)
        log = open(LOG, "w", encoding="utf-8")

        def watch():
            for line in self.process.stdout:
                self.output.append(line.rstrip())
                log.write(line)
                log.flush()
                match = re.search(r"Now listening on: (http://127\.0\.0\.1:\d+)", line)
                if match and not listening.is_set():
                    self.url = match.group(1) + "/"
                    listening.set()

        threading.Thread(target=watch, daemon=True).start()
        deadline = time.monotonic() + START_CEILING
        while not listening.wait(1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The portal did not listen (exit code {}). Its last output:\n{}".format(
                    self.process.poll(), "\n".join(self.output)))
        # The first requests JIT-compile the API; paid here, not inside a test.
        urllib.request.urlopen(self.url + "readyz", timeout=120).read()

    def token(self, *options):
        """A personal access token from the portal's own `token create` command (README "Identity")."""
        done = subprocess.run(self._dotnet("token", "create", "--user", "admin", *options), cwd=self.data, env=self.env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError("token create failed ({}):\n{}".format(done.returncode, done.stderr))
        return done.stdout.strip().splitlines()[-1]

    def call(self, method, path, token, body=None):
        """A raw API call, for arranging what the tests then read through the package."""
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
            return json.loads(text) if text else None

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            # `dotnet run` and the portal it started: this fixture's own process group.
            os.killpg(self.process.pid, 9)
            self.process.wait()
        shutil.rmtree(self.data, ignore_errors=True)


def portal_version():
    """The portal's version, as its build reads it: the package's version follows it."""
    done = subprocess.run(["dotnet", "msbuild", os.path.join(ROOT, "src", "Portal.Web", "Portal.Web.csproj"),
                           "-getProperty:Version"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="session")
def portal():
    postgres = Postgres()
    running = None
    try:
        running = RunningPortal(postgres.start())
        running.start()
        running.admin_token = running.token()
        running.read_only_token = running.token("--read-only", "--name", "read-only")
        # Room for every test's clusters at once: the tests check the quota on a tenant of their own.
        running.call("PATCH", "api/v1/tenants/default", running.admin_token, {"quota": {
            "cpu": "2000", "memory": "8Ti", "ephemeralStorage": "100Ti", "maxPods": 2000, "maxClusters": 500}})
        yield running
    finally:
        if running is not None:
            running.stop()
        postgres.stop()


@pytest.fixture(scope="session")
def served(portal, tmp_path_factory):
    """The wheel the portal serves, unpacked: the tests import the package exactly as users install it."""
    version = portal_version()
    target = tmp_path_factory.mktemp("served")
    wheel = target / "sparkportal-{}-py3-none-any.whl".format(version)
    with urllib.request.urlopen(portal.url + "downloads/" + wheel.name, timeout=60) as response:
        wheel.write_bytes(response.read())
    with zipfile.ZipFile(str(wheel)) as archive:
        archive.extractall(str(target / "site"))
    sys.path.insert(0, str(target / "site"))
    import sparkportal

    assert sparkportal.__file__.startswith(str(target)), sparkportal.__file__
    return sparkportal


@pytest.fixture
def sp(served, portal, monkeypatch, tmp_path):
    """The package, configured through its environment variables for the default tenant; no configuration file."""
    monkeypatch.setenv("SPARK_PORTAL_URL", portal.url)
    monkeypatch.setenv("SPARK_PORTAL_TOKEN", portal.admin_token)
    monkeypatch.setenv("SPARK_PORTAL_TENANT", "default")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(served, "POLL_SECONDS", 0.5)
    return served


_names = iter(range(1, 10000))


@pytest.fixture
def name(request, portal):
    """A cluster name of its own for each test (DNS label, at most 40 characters); the cluster is deleted after."""
    base = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().replace("test_", ""))[:30].strip("-")
    name = "{}-{}".format(base, next(_names))
    yield name
    try:
        portal.call("DELETE", "api/v1/tenants/default/clusters/" + name, portal.admin_token)
    except urllib.error.HTTPError:
        pass  # the test made none
