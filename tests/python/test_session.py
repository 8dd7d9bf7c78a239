"""The Spark session step. PySpark is not installable here (no PyPI), so these tests stop at the session builder:
the seam sparkportal._session_builder, the only place the package imports PySpark, records what it is handed."""

import sys
import urllib.parse

import pytest


class RecordingBuilder:
    """Stands in for pyspark.sql.SparkSession.builder and records the sc:// URL it is given."""

    def __init__(self):
        self.urls = []
        self.pyspark_versions = []

    def __call__(self, pyspark_version=None):
        self.pyspark_versions.append(pyspark_version)
        return self

    def remote(self, url):
        self.urls.append(url)
        return self

    def getOrCreate(self):
        return "the Spark session"


@pytest.fixture
def builder(sp, monkeypatch):
    recording = RecordingBuilder()
    monkeypatch.setattr(sp, "_session_builder", recording)
    return recording


@pytest.fixture
def plain_progress(monkeypatch):
    """tqdm hidden: the package prints plain progress lines instead."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


def parsed_as_pyspark_does(url):
    """Spark Connect's Python client reads sc:// URLs this way (ChannelBuilder: http scheme swapped in, parameters
    after ';', values unquoted); a URL that doesn't survive this never reaches the gateway."""
    assert url.startswith("sc://")
    parts = urllib.parse.urlparse("http" + url[2:])
    assert parts.path in ("", "/"), "the path must be empty, got " + parts.path
    params = {}
    for pair in parts.params.split(";"):
        key, value = pair.split("=")
        params[key] = urllib.parse.unquote(value)
    return parts.hostname, parts.port, params


def test_connect_creates_the_cluster_shows_progress_and_hands_the_builder_the_gateway_url_pyspark_not_installable(
        sp, portal, name, builder, plain_progress, capsys):
    spark = sp.connect(name, workers=1, ttl="1h")

    assert spark == "the Spark session"
    cluster = sp.cluster(name)
    gateway = cluster.connect
    host, port, params = parsed_as_pyspark_does(builder.urls[0])
    assert (host, port) == (gateway["host"], gateway["port"])
    assert params == {"use_ssl": "true" if gateway["useSsl"] else "false", "token": portal.admin_token,
                      gateway["header"]: "default/" + name}
    assert gateway["header"] == "x-spark-portal-cluster"
    assert builder.pyspark_versions == [gateway["pysparkVersion"]]
    progress = capsys.readouterr().err
    assert "default/{} Requested".format(name) in progress
    assert "default/{} Running".format(name) in progress


def test_the_sc_url_is_exactly_the_gateways_with_this_token_and_the_routing_header_pyspark_not_installable(
        sp, portal, name, builder):
    cluster = sp.create(name, workers=1).wait(progress=False)

    cluster.session()

    gateway = cluster.connect
    assert builder.urls == ["sc://{}:{}/;use_ssl={};token={};x-spark-portal-cluster=default%2F{}".format(
        gateway["host"], gateway["port"], "true" if gateway["useSsl"] else "false", portal.admin_token, name)]


def test_session_on_an_existing_cluster_waits_for_it_and_never_creates_one_pyspark_not_installable(sp, name, builder):
    sp.create(name, workers=1)

    assert sp.session(name, progress=False) == "the Spark session"
    assert "x-spark-portal-cluster=default%2F" + name in builder.urls[0]

    with pytest.raises(sp.NotFound):
        sp.session(name + "-none", progress=False)


def test_the_spark_ui_url_is_the_portals_proxy_path_of_the_cluster(sp, portal, name):
    cluster = sp.create(name, workers=1)

    assert cluster.spark_ui_url == "{}spark/default/{}/".format(portal.url, name)


def test_a_cluster_without_spark_connect_says_so_instead_of_a_session(sp, name, builder):
    cluster = sp.create(name, workers=1, spark_connect=False).wait(progress=False)

    with pytest.raises(sp.NoSparkConnect, match="without Spark Connect"):
        cluster.session()
    assert builder.urls == []


def test_without_pyspark_installable_here_a_session_names_the_pyspark_connect_version_to_install(served):
    with pytest.raises(served.PySparkMissing, match=r'pip install "pyspark\[connect\]==4\.0\.3"'):
        served._session_builder("4.0.3")


def test_the_connection_string_encodes_values_so_pyspark_reads_them_back_whole(served):
    url = served.connect_url({"host": "portal.example", "port": 443, "useSsl": True, "header": "x-spark-portal-cluster",
                              "route": "team-a/etl"}, "spk_a;b=c/d")

    assert parsed_as_pyspark_does(url) == ("portal.example", 443, {
        "use_ssl": "true", "token": "spk_a;b=c/d", "x-spark-portal-cluster": "team-a/etl"})


def test_progress_uses_tqdm_when_it_is_installed(sp, name, capsys):
    import tqdm  # Debian's python3-tqdm, which tests/run.sh installs

    assert tqdm.__version__
    sp.create(name, workers=1).wait()

    progress = capsys.readouterr().err
    assert "default/{} ".format(name) in progress
    assert "█" in progress  # the bar, not plain lines
    assert "Running" in progress
    assert "sparkportal: " not in progress


def test_progress_without_tqdm_is_plain_lines(sp, name, plain_progress, capsys):
    sp.create(name, workers=1).wait()

    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("sparkportal: default/{} Requested".format(name))
    assert lines[-1].startswith("sparkportal: default/{} Running".format(name))
