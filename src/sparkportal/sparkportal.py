"""Spark Portal from a notebook: one call to a Spark session.

    import sparkportal

    spark = sparkportal.connect("etl", workers=4, ttl="4h")   # finds or creates the cluster, waits, connects
    spark.range(10).show()

    sparkportal.clusters()                  # the tenant's clusters
    etl = sparkportal.cluster("etl")        # one of them: .scale(n), .extend("2h"), .delete(), .spark_ui_url
    spark = sparkportal.session("etl")      # a Spark session on a cluster that is already running

The portal's address and a personal access token come from the arguments ``url=`` and ``token=``, else the
environment variables ``SPARK_PORTAL_URL`` and ``SPARK_PORTAL_TOKEN``, else the file
``~/.config/spark-portal/config`` (``key = value`` lines: ``url``, ``token``, ``tenant``). ``tenant=`` (or
``SPARK_PORTAL_TENANT``, or ``tenant`` in the file) is needed only when the token reaches several tenants.

Only the standard library is imported here; PySpark (``pip install "pyspark[connect]"``) is imported only when a
session is asked for. Every refusal of the portal's API is a :class:`PortalError` carrying the problem's title,
detail and field (RFC 9457 problem+json).
"""

from __future__ import annotations

import configparser
import datetime as _dt
import hashlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# The build (build_dist.py) writes the portal's version here; a checkout's plain file says it is unbuilt.
__version__ = "0.0.0.dev0"

__all__ = [
    "connect", "session", "clusters", "cluster", "create", "Portal", "Cluster",
    "PortalError", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "QuotaExceeded",
    "PreconditionFailed", "IdempotencyKeyReused", "ConfigurationError", "TenantRequired", "PortalUnreachable",
    "ClusterFailed", "ClusterEnded", "WaitTimeout", "WaitInterrupted", "NoSparkConnect", "PySparkMissing",
]

URL_VARIABLE = "SPARK_PORTAL_URL"
TOKEN_VARIABLE = "SPARK_PORTAL_TOKEN"
TENANT_VARIABLE = "SPARK_PORTAL_TENANT"

#: How long connect() and Cluster.wait() wait for Running by default, in seconds.
DEFAULT_TIMEOUT = 900.0
#: How often a waiting call asks the portal again, in seconds.
POLL_SECONDS = 2.0
#: How long one HTTP request may take, in seconds.
REQUEST_TIMEOUT = 60.0

_ENDED = ("Deleting", "Deleted")
_CHANGED_CONCURRENTLY = "The cluster changed concurrently."
_CONCURRENT_ATTEMPTS = 5
_STEPS = ("Requested", "Provisioning", "Starting", "Running")


# --- Errors ----------------------------------------------------------------------------------------------------


class PortalError(Exception):
    """The portal refused a request: its problem+json answer, as attributes.

    ``status`` is the HTTP status, ``title`` and ``detail`` the problem's, ``field`` the first field it names
    (``errors`` has them all, field -> reasons), ``code`` the machine reason when the portal gives one
    (e.g. ``quota.cpu``, ``name.taken``), ``problem`` the whole body.
    """

    def __init__(self, status, title, detail=None, errors=None, code=None, problem=None):
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = dict(errors or {})
        self.field = next(iter(self.errors), None)
        self.code = code
        self.problem = dict(problem or {})
        super().__init__(self._text())

    def _text(self):
        text = "{} ({})".format(self.title, self.status)
        if self.detail:
            text += ": " + self.detail
        for field, reasons in self.errors.items():
            text += "\n  {}: {}".format(field, " ".join(reasons) if isinstance(reasons, list) else reasons)
        return text


class BadRequest(PortalError):
    """400: a field is wrong or outside the tenant's policy; ``field`` names it."""


class Unauthorized(PortalError):
    """401: the token is missing, wrong, expired or revoked."""


class Forbidden(PortalError):
    """403: the token or the role does not allow this (a viewer, a read-only token)."""


class NotFound(PortalError):
    """404: no such tenant or cluster for this token."""


class Conflict(PortalError):
    """409: the change collides with the cluster's state (a name in use, a cluster being deleted)."""


class QuotaExceeded(Conflict):
    """409 for the tenant's quota: ``limit`` (which one), ``quota``, ``in_use`` and ``requested``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = self.problem.get("limit")
        self.quota = self.problem.get("quota")
        self.in_use = self.problem.get("inUse")
        self.requested = self.problem.get("requested")


class PreconditionFailed(PortalError):
    """412: the cluster changed since this handle read it (``if_unchanged=True``)."""


class IdempotencyKeyReused(PortalError):
    """422: the Idempotency-Key was used before for a different request."""


class ConfigurationError(Exception):
    """No portal address or token: pass ``url=``/``token=``, set the environment variables, or write the file."""


class TenantRequired(Exception):
    """The token reaches several tenants (``tenants`` lists them): pass ``tenant=``."""

    def __init__(self, message, tenants):
        super().__init__(message)
        self.tenants = list(tenants)


class PortalUnreachable(ConnectionError):
    """The portal did not answer (wrong address, down, a network problem)."""


class ClusterFailed(Exception):
    """The cluster went Failed; ``reason`` and ``message`` are what Kubernetes reported (e.g. ImagePullBackOff)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.reason = cluster.status.get("reason")
        self.message = cluster.status.get("message")
        super().__init__("Cluster {} in tenant {} failed: {}: {}".format(
            cluster.name, cluster.tenant, self.reason, self.message))


class ClusterEnded(Exception):
    """The cluster is being deleted or is gone (``cluster.phase`` says which), so it will not run."""

    def __init__(self, cluster):
        self.cluster = cluster
        ended = cluster.status.get("terminationReason")
        super().__init__("Cluster {} in tenant {} is {}{}; it will not run. Once it is Deleted, connect() makes a new one.".format(
            cluster.name, cluster.tenant, cluster.phase, " ({})".format(ended) if ended else ""))


class WaitTimeout(TimeoutError):
    """The cluster was not Running within the timeout. It is left as it is (``cluster``), still starting."""

    def __init__(self, cluster, timeout):
        self.cluster = cluster
        self.timeout = timeout
        super().__init__("Cluster {} in tenant {} was not Running after {:g} s (phase {}: {}). It is left as it is; "
                         "wait again with sparkportal.cluster({!r}).wait() or delete it with .delete().".format(
                             cluster.name, cluster.tenant, timeout, cluster.phase, cluster.status.get("message"),
                             cluster.name))


class WaitInterrupted(KeyboardInterrupt):
    """Ctrl-C (or the notebook's stop button) while waiting: the cluster is left as it is."""

    def __init__(self, cluster):
        self.cluster = cluster
        super().__init__("Stopped waiting for cluster {} in tenant {} (phase {}). The cluster is left as it is: "
                         "sparkportal.cluster({!r}).wait() waits again, .delete() deletes it.".format(
                             cluster.name, cluster.tenant, cluster.phase, cluster.name))


class NoSparkConnect(Exception):
    """The cluster has no Spark Connect endpoint through the portal, so no Spark session can be made."""


class PySparkMissing(ImportError):
    """PySpark's Connect client is not installed; the message says which version to install."""


_ERRORS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
           412: PreconditionFailed, 422: IdempotencyKeyReused}


# --- Configuration ---------------------------------------------------------------------------------------------


def config_path():
    """Where the configuration file is read from: ``$XDG_CONFIG_HOME/spark-portal/config``, by default
    ``~/.config/spark-portal/config``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "spark-portal", "config")


def _read_config_file():
    path = config_path()
    if not os.path.isfile(path):
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        # Plain "key = value" lines; a section header is allowed but not needed.
        parser.read_string(text if text.lstrip().startswith("[") else "[portal]\n" + text, source=path)
    except configparser.Error as e:
        raise ConfigurationError("Cannot read {}: {}".format(path, e)) from None
    values = {}
    for section in parser.sections():
        values.update(parser.items(section))
    unknown = sorted(set(values) - {"url", "token", "tenant"})
    if unknown:
        raise ConfigurationError("{}: unknown key(s) {}; the keys are url, token and tenant.".format(path, ", ".join(unknown)))
    return values


def _settings(url, token, tenant):
    """Each setting from the argument, else the environment, else the configuration file."""
    needs_file = not (url or os.environ.get(URL_VARIABLE)) or not (token or os.environ.get(TOKEN_VARIABLE)) \
        or not (tenant or os.environ.get(TENANT_VARIABLE))
    file = _read_config_file() if needs_file else {}
    url = url or os.environ.get(URL_VARIABLE) or file.get("url")
    token = token or os.environ.get(TOKEN_VARIABLE) or file.get("token")
    tenant = tenant or os.environ.get(TENANT_VARIABLE) or file.get("tenant")
    if not url:
        raise ConfigurationError(
            "No portal address: pass url=\"http://<portal>/\", set {}, or put url = ... in {}.".format(URL_VARIABLE, config_path()))
    if not token:
        raise ConfigurationError(
            "No access token: create one at {}tokens, then pass token=..., set {}, or put token = ... in {}.".format(
                url.rstrip("/") + "/", TOKEN_VARIABLE, config_path()))
    return url, token, tenant


# --- Values ----------------------------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)", re.IGNORECASE)


def _timespan(value, what):
    """A duration as the API spells it ("d.hh:mm:ss") from "4h", "1d12h", "90m", "02:00:00" or a timedelta."""
    if isinstance(value, _dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str) and re.fullmatch(r"\s*(\d+\.)?\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*", value):
        return value.strip()  # already the API's form
    elif isinstance(value, str) and value.strip() and _DURATION.sub("", value).strip() == "":
        units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
        seconds = sum(float(n) * units[u.lower()] for n, u in _DURATION.findall(value))
    else:
        raise ValueError("{}: {!r} is not a duration; write e.g. \"4h\", \"90m\", \"1d12h\" or \"02:00:00\".".format(what, value))
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "{:02d}:{:02d}:{:02d}".format(hours, minutes, secs)
    return "{}.{}".format(days, text) if days else text


def _timestamp(text):
    if not text:
        return None
    # Python before 3.11 reads neither "Z" nor more than 6 fractional digits.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))
    return _dt.datetime.fromisoformat(text)


def connect_url(connect, token):
    """The ``sc://`` connection string for a cluster's ``connect`` object and a token, as Spark's client
    connection-string spec reads it: parameters after ``/;``, values percent-encoded (PySpark unquotes them; an
    unencoded "/" in the route would end the URL's path and break its parsing)."""
    def value(v):
        return urllib.parse.quote(str(v), safe="")

    host = connect["host"]
    if ":" in host and not host.startswith("["):
        host = "[" + host + "]"  # an IPv6 literal
    return "sc://{}:{}/;use_ssl={};token={};{}={}".format(
        host, int(connect["port"]), "true" if connect.get("useSsl") else "false", value(token),
        connect["header"], value(connect["route"]))


# --- The portal's API ------------------------------------------------------------------------------------------


class Portal:
    """One portal, one token: the REST calls behind the module's functions.

    ``url``, ``token`` and ``tenant`` default as the module's functions say (arguments, environment, file).
    """

    def __init__(self, url=None, token=None, tenant=None):
        url, token, tenant = _settings(url, token, tenant)
        self.url = url.rstrip("/") + "/"
        self._token = token
        self._tenant = tenant

    def __repr__(self):
        return "Portal({!r}, tenant={!r})".format(self.url, self._tenant)

    # HTTP

    def _request(self, method, path, body=None, headers=None):
        data = None
        all_headers = {
            "Authorization": "Bearer " + self._token,
            "Accept": "application/json, application/problem+json",
            "User-Agent": "sparkportal/" + __version__,
        }
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        for attempt in range(1, _CONCURRENT_ATTEMPTS + 1):
            request = urllib.request.Request(urllib.parse.urljoin(self.url, path), data=data, headers=all_headers,
                                             method=method)
            try:
                with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                    text = response.read().decode("utf-8")
                    return (json.loads(text) if text else None), response.headers
            except urllib.error.HTTPError as e:
                problem = _problem(e)
                # The portal's own advice for a write that lost a race with another (nothing was written): retry.
                if not (isinstance(problem, Conflict) and problem.title == _CHANGED_CONCURRENTLY) or attempt == _CONCURRENT_ATTEMPTS:
                    raise problem from None
                _sleep(0.2 * attempt)
            except (urllib.error.URLError, OSError) as e:
                reason = getattr(e, "reason", e)
                raise PortalUnreachable("The portal at {} did not answer {} {}: {}".format(self.url, method, path, reason)) from None

    def _clusters_path(self, tenant, name=None, action=None):
        path = "api/v1/tenants/{}/clusters".format(urllib.parse.quote(tenant, safe=""))
        if name is not None:
            path += "/" + urllib.parse.quote(name, safe="")
        if action is not None:
            path += "/" + action
        return path

    # Tenants

    def tenant(self, tenant=None):
        """The tenant to use: ``tenant``, the configured one, or the token's only tenant."""
        if tenant or self._tenant:
            return tenant or self._tenant
        tenants, _ = self._request("GET", "api/v1/tenants")
        slugs = [t["slug"] for t in tenants]
        if len(slugs) == 1:
            self._tenant = slugs[0]
            return self._tenant
        if not slugs:
            raise TenantRequired("This token reaches no tenant: ask a tenant admin to add you as a member.", [])
        raise TenantRequired("This token reaches several tenants ({}): pass tenant=\"...\" (or set {}).".format(
            ", ".join(slugs), TENANT_VARIABLE), slugs)

    # Clusters

    def clusters(self, tenant=None, phase=None):
        """Every cluster of the tenant (all pages), Deleted ones included unless ``phase`` picks one phase."""
        tenant = self.tenant(tenant)
        found, page = [], 1
        while True:
            query = {"page": page, "pageSize": 200}
            if phase:
                query["phase"] = phase
            body, _ = self._request("GET", self._clusters_path(tenant) + "?" + urllib.parse.urlencode(query))
            found.extend(Cluster(self, item) for item in body["items"])
            if page * body["pageSize"] >= body["totalCount"] or not body["items"]:
                return found
            page += 1

    def cluster(self, name, tenant=None):
        """The cluster called ``name``; :class:`NotFound` when there is none."""
        tenant = self.tenant(tenant)
        body, _ = self._request("GET", self._clusters_path(tenant, name))
        return Cluster(self, body)

    def create(self, name, tenant=None, workers=None, ttl=None, idempotency_key=None, spark_version=None, image=None,
               worker_cores=None, worker_memory=None, master_cores=None, master_memory=None, spark_conf=None,
               spark_connect=None):
        """Asks for a cluster (202: it starts in the background). Left-out settings get the portal's defaults.
        With ``idempotency_key``, asking again returns the cluster the first request made."""
        tenant = self.tenant(tenant)
        body = _create_body(name, workers, ttl, spark_version, image, worker_cores, worker_memory, master_cores,
                            master_memory, spark_conf, spark_connect)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        created, _ = self._request("POST", self._clusters_path(tenant), body, headers)
        return Cluster(self, created)

    def connect(self, name, tenant=None, timeout=DEFAULT_TIMEOUT, progress=True, **spec):
        """Finds the cluster ``name`` or creates it, waits until it is Running, and returns a Spark session."""
        found = self.ensure(name, tenant=tenant, **spec)
        return found.wait(timeout=timeout, progress=progress).session()

    def ensure(self, name, tenant=None, **spec):
        """The live cluster called ``name``, created with ``spec`` when there is none (or only a Deleted one)."""
        tenant = self.tenant(tenant)
        try:
            existing = self.cluster(name, tenant)
        except NotFound:
            existing = None
        if existing is not None and existing.phase != "Deleted":
            if existing.phase == "Failed":
                raise ClusterFailed(existing)
            if existing.phase == "Deleting":
                raise ClusterEnded(existing)
            return existing
        body = _create_body(name, **spec)
        # The same key for the same request against the same history: a re-run cell, or a retry after a lost answer,
        # gets the cluster the first request made, never a second one; after a deletion the key is new.
        previous = existing.data.get("createdAt") if existing is not None else "none"
        digest = hashlib.sha256(json.dumps([tenant, body, previous], sort_keys=True).encode("utf-8")).hexdigest()
        key = "sparkportal-" + digest[:40]
        try:
            return self.create(name, tenant=tenant, idempotency_key=key, **spec)
        except Conflict as e:
            if e.code != "name.taken":
                raise
            # Another notebook created it in between: use that one.
            return self.cluster(name, tenant)


def _create_body(name, workers=None, ttl=None, spark_version=None, image=None, worker_cores=None, worker_memory=None,
                 master_cores=None, master_memory=None, spark_conf=None, spark_connect=None):
    body = {"name": name}
    for key, value in (("workers", workers), ("sparkVersion", spark_version), ("image", image),
                       ("workerCores", worker_cores), ("workerMemory", worker_memory), ("masterCores", master_cores),
                       ("masterMemory", master_memory), ("sparkConf", spark_conf), ("sparkConnect", spark_connect)):
        if value is not None:
            body[key] = value
    if ttl is not None:
        body["timeToLive"] = _timespan(ttl, "ttl")
    return body


def _problem(error):
    try:
        text = error.read().decode("utf-8", "replace")
    except OSError:
        text = ""
    try:
        problem = json.loads(text) if text else {}
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    status = error.code
    kind = _ERRORS.get(status, PortalError)
    if status == 409 and "quota" in problem:
        kind = QuotaExceeded
    title = problem.get("title") or error.reason or "HTTP {}".format(status)
    detail = problem.get("detail") or (None if problem else text.strip()[:500] or None)
    if status == 401 and not detail:
        detail = "The token is missing, wrong, expired or revoked: create a new one at /tokens."
    return kind(status, title, detail, problem.get("errors"), problem.get("code"), problem)


# --- A cluster -------------------------------------------------------------------------------------------------


class Cluster:
    """A cluster as the portal last reported it. ``data`` is the API's JSON; the properties read it."""

    def __init__(self, portal, data):
        self._portal = portal
        self.data = data

    def __repr__(self):
        return "<Cluster {}/{} {} workers={}>".format(self.tenant, self.name, self.phase, self.workers)

    name = property(lambda self: self.data["name"])
    tenant = property(lambda self: self.data["tenant"])
    spec = property(lambda self: self.data["spec"])
    status = property(lambda self: self.data["status"])
    phase = property(lambda self: self.data["status"]["phase"])
    workers = property(lambda self: self.data["spec"]["workers"], doc="Workers asked for.")
    version = property(lambda self: self.data["version"], doc="The portal's version of this cluster (its ETag).")
    expires_at = property(lambda self: _timestamp(self.data.get("expiresAt")))
    created_at = property(lambda self: _timestamp(self.data.get("createdAt")))

    @property
    def spark_ui_url(self):
        """The Spark master's UI through the portal (open it in a browser signed in to the portal)."""
        return self.data.get("sparkUiUrl")

    @property
    def connect(self):
        """The cluster's Spark Connect endpoint through the portal, or None without one."""
        return self.data.get("connect")

    def _path(self, action=None):
        return self._portal._clusters_path(self.tenant, self.name, action)

    def refresh(self):
        """Reads the cluster again; returns it."""
        self.data, _ = self._portal._request("GET", self._path())
        return self

    def _if_match(self, if_unchanged):
        return {"If-Match": '"{}"'.format(self.version)} if if_unchanged else {}

    def scale(self, workers, if_unchanged=False):
        """Sets the number of workers (the change happens in the background; ``wait()`` waits for it). With
        ``if_unchanged=True`` it is refused (:class:`PreconditionFailed`) if the cluster changed since it was read."""
        self.data, _ = self._portal._request("PUT", self._path("scale"), {"workers": workers}, self._if_match(if_unchanged))
        return self

    def extend(self, by):
        """Lets the cluster live longer by ``by`` ("2h", "30m", "1d", "02:00:00" or a timedelta), within the tenant's
        maximum lifetime."""
        self.data, _ = self._portal._request("POST", self._path("extend"), {"by": _timespan(by, "by")})
        return self

    def delete(self, wait=False, timeout=DEFAULT_TIMEOUT, if_unchanged=False):
        """Deletes the cluster (it goes Deleting, then Deleted). With ``wait=True``, returns once it is Deleted."""
        self.data, _ = self._portal._request("DELETE", self._path(), None, self._if_match(if_unchanged))
        if wait:
            deadline = time.monotonic() + timeout
            while self.phase != "Deleted":
                if time.monotonic() >= deadline:
                    raise WaitTimeout(self, timeout)
                _sleep(POLL_SECONDS)
                self.refresh()
        return self

    @property
    def ready(self):
        """Running, with the workers asked for and the latest change seen by the portal."""
        status = self.status
        return (status["phase"] == "Running" and status.get("reason") != "Scaling"
                and status.get("observedGeneration", 0) >= self.data.get("generation", 0))

    def wait(self, timeout=DEFAULT_TIMEOUT, progress=True):
        """Waits until the cluster is :attr:`ready`, showing progress; returns it.

        Raises :class:`ClusterFailed` (with Kubernetes' reason) if it goes Failed, :class:`ClusterEnded` if it is
        deleted meanwhile, :class:`WaitTimeout` after ``timeout`` seconds and :class:`WaitInterrupted` on Ctrl-C;
        in the last two cases the cluster is left as it is.
        """
        bar = _progress(self) if progress else None
        deadline = time.monotonic() + timeout
        try:
            while True:
                if bar is not None:
                    bar.update(self)
                if self.ready:
                    return self
                if self.phase == "Failed":
                    raise ClusterFailed(self)
                if self.phase in _ENDED:
                    raise ClusterEnded(self)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WaitTimeout(self, timeout)
                _sleep(min(POLL_SECONDS, left))
                try:
                    self.refresh()
                except PortalUnreachable:
                    pass  # a blip while waiting; the timeout still bounds the wait
                except PortalError as e:
                    if e.status != 503:  # 503: the portal's database is briefly unreachable
                        raise
        except KeyboardInterrupt as e:
            if isinstance(e, WaitInterrupted):
                raise
            raise WaitInterrupted(self) from None
        finally:
            if bar is not None:
                bar.close()

    @property
    def connect_url(self):
        """The ``sc://`` URL of the cluster's Spark Connect endpoint, with this portal's token in it."""
        if not self.connect:
            raise NoSparkConnect(
                "Cluster {} in tenant {} has no Spark Connect endpoint through the portal (phase {}{}).".format(
                    self.name, self.tenant, self.phase,
                    "" if self.spec.get("sparkConnect") else "; it was created without Spark Connect"))
        return connect_url(self.connect, self._portal._token)

    def session(self):
        """A ``pyspark.sql.SparkSession`` on this cluster through the portal's Spark Connect gateway."""
        url = self.connect_url
        return _session_builder(self.connect.get("pysparkVersion")).remote(url).getOrCreate()


def _sleep(seconds):
    time.sleep(seconds)


def _session_builder(pyspark_version=None):
    """``SparkSession.builder``: the only place PySpark is imported (tests observe what it is handed here)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        wanted = "pyspark[connect]=={}".format(pyspark_version) if pyspark_version else "pyspark[connect]"
        raise PySparkMissing("A Spark session needs PySpark's Spark Connect client: pip install \"{}\" ({})".format(
            wanted, e)) from None
    return SparkSession.builder


# --- Progress --------------------------------------------------------------------------------------------------


def _step(cluster):
    phase = cluster.phase
    if phase not in _STEPS:
        return 0
    if phase == "Running" and cluster.ready:
        return len(_STEPS) - 1 + cluster.workers
    return _STEPS.index(phase) + (cluster.status.get("registeredWorkers", 0) if phase in ("Starting", "Running") else 0)


def _describe(cluster):
    status = cluster.status
    text = status["phase"]
    if status.get("reason"):
        text += " ({}{})".format(status["reason"], ": " + status["message"] if status.get("message") else "")
    return text


class _Lines:
    """Plain progress: one line on standard error whenever the cluster's phase or message changes."""

    def __init__(self, cluster):
        self._started = time.monotonic()
        self._last = None

    def update(self, cluster):
        text = _describe(cluster)
        if text != self._last:
            self._last = text
            print("sparkportal: {}/{} {} after {:.0f} s".format(
                cluster.tenant, cluster.name, text, time.monotonic() - self._started), file=sys.stderr, flush=True)

    def close(self):
        pass


class _Bar:
    """A tqdm bar (a widget in a notebook): Requested, Provisioning, Starting, then one step per registered worker."""

    def __init__(self, tqdm, cluster):
        self._bar = tqdm(total=len(_STEPS) - 1 + cluster.workers, desc="{}/{}".format(cluster.tenant, cluster.name),
                         bar_format="{desc} {bar}| {elapsed}{postfix}", leave=True)

    def update(self, cluster):
        self._bar.total = len(_STEPS) - 1 + cluster.workers
        self._bar.n = min(_step(cluster), self._bar.total)
        self._bar.set_postfix_str(_describe(cluster), refresh=False)
        self._bar.refresh()

    def close(self):
        self._bar.close()


def _progress(cluster):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Lines(cluster)
    return _Bar(tqdm, cluster)


# --- The module's functions ------------------------------------------------------------------------------------


def connect(name, workers=None, ttl=None, tenant=None, url=None, token=None, timeout=DEFAULT_TIMEOUT, progress=True,
            **spec):
    """A Spark session on your cluster ``name``: found, or created (``workers``, ``ttl`` such as "4h", and
    ``spark_version``, ``image``, ``worker_cores``, ``worker_memory``, ``master_cores``, ``master_memory``,
    ``spark_conf``, ``spark_connect``), then waited for until Running with a progress bar.

    Re-running it never makes a second cluster. A cluster that already exists is used as it is.
    """
    return Portal(url, token, tenant).connect(name, workers=workers, ttl=ttl, timeout=timeout, progress=progress, **spec)


def session(name, tenant=None, url=None, token=None, timeout=DEFAULT_TIMEOUT, progress=True):
    """A Spark session on the existing cluster ``name``, once it is Running (never creates one)."""
    return Portal(url, token, tenant).cluster(name).wait(timeout=timeout, progress=progress).session()


def clusters(tenant=None, phase=None, url=None, token=None):
    """The tenant's clusters, Deleted ones included (``phase="Running"`` keeps only those)."""
    return Portal(url, token, tenant).clusters(phase=phase)


def cluster(name, tenant=None, url=None, token=None):
    """The cluster ``name``: ``.scale(n)``, ``.extend("2h")``, ``.delete()``, ``.wait()``, ``.spark_ui_url``."""
    return Portal(url, token, tenant).cluster(name)


def create(name, workers=None, ttl=None, tenant=None, url=None, token=None, idempotency_key=None, **spec):
    """Asks for a cluster without waiting for it; see :func:`connect` for the settings."""
    return Portal(url, token, tenant).create(name, workers=workers, ttl=ttl, idempotency_key=idempotency_key, **spec)
