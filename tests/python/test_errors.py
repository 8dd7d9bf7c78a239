"""What a notebook user gets when something is refused or goes wrong: exceptions carrying what to act on."""

import os
import socket

import pytest


@pytest.fixture(scope="session")
def tight(portal):
    """A second tenant of the admin's, with room for 2 CPUs only."""
    portal.call("POST", "api/v1/tenants", portal.admin_token,
                {"slug": "tight", "displayName": "Tight", "quota": {"cpu": "2"}})
    return "tight"


def test_a_wrong_token_is_unauthorized(sp):
    with pytest.raises(sp.Unauthorized) as refused:
        sp.clusters(token="spk_not-a-real-token")

    assert refused.value.status == 401
    assert refused.value.title


def test_a_read_only_token_may_not_create_and_says_why(sp, portal, name):
    with pytest.raises(sp.Forbidden) as refused:
        sp.create(name, token=portal.read_only_token)

    assert refused.value.status == 403
    assert "read-only" in refused.value.title


def test_an_unknown_cluster_is_not_found(sp):
    with pytest.raises(sp.NotFound) as refused:
        sp.cluster("no-such-cluster")

    assert refused.value.status == 404
    assert refused.value.title


def test_a_name_in_use_is_a_conflict_with_its_code(sp, name):
    sp.create(name, workers=1)

    with pytest.raises(sp.Conflict) as refused:
        sp.create(name, workers=1)

    assert (refused.value.status, refused.value.code) == (409, "name.taken")


def test_a_request_over_the_quota_says_which_limit_what_is_in_use_and_what_was_asked(sp, tight, name):
    with pytest.raises(sp.QuotaExceeded) as refused:
        sp.create(name, tenant=tight, workers=2)

    quota = refused.value
    assert (quota.status, quota.code, quota.limit, quota.quota, quota.in_use) == (409, "quota.cpu", "cpu", "2", "0")
    assert quota.requested
    assert "quota" in str(quota)


def test_more_workers_than_the_tenant_policy_allows_is_refused_naming_the_field(sp, name):
    with pytest.raises(sp.BadRequest) as refused:
        sp.create(name, workers=51)

    assert (refused.value.status, refused.value.field) == (400, "workers")
    assert refused.value.errors["workers"]
    assert "workers" in str(refused.value)


def test_extending_past_the_tenants_maximum_lifetime_is_refused_naming_the_field(sp, name):
    cluster = sp.create(name, workers=1)

    with pytest.raises(sp.BadRequest) as refused:
        cluster.extend("30d")

    assert refused.value.field == "by"


def test_a_change_from_a_stale_handle_is_refused_when_asked_to_be_careful(sp, name):
    stale = sp.create(name, workers=1)
    sp.cluster(name).scale(2)

    with pytest.raises(sp.PreconditionFailed) as refused:
        stale.scale(3, if_unchanged=True)

    assert refused.value.status == 412


def test_an_idempotency_key_reused_for_another_request_is_refused(sp, name):
    sp.create(name, workers=1, idempotency_key="key-" + name)

    with pytest.raises(sp.IdempotencyKeyReused) as refused:
        sp.create(name + "-other", workers=1, idempotency_key="key-" + name)

    assert refused.value.status == 422


def test_a_cluster_that_goes_failed_raises_with_the_kubernetes_reason(sp, name):
    from conftest import FAILING_SPARK_VERSION

    with pytest.raises(sp.ClusterFailed) as failed:
        sp.connect(name, workers=1, spark_version=FAILING_SPARK_VERSION, progress=False)

    assert failed.value.reason == "ImagePullBackOff"
    assert "can't pull image" in failed.value.message
    assert "ImagePullBackOff" in str(failed.value)


def test_connecting_to_a_failed_cluster_again_raises_at_once_without_a_second_cluster(sp, name):
    from conftest import FAILING_SPARK_VERSION

    with pytest.raises(sp.ClusterFailed):
        sp.connect(name, workers=1, spark_version=FAILING_SPARK_VERSION, progress=False)

    with pytest.raises(sp.ClusterFailed):
        sp.connect(name, workers=1, spark_version=FAILING_SPARK_VERSION, progress=False, timeout=0)
    assert [c.name for c in sp.clusters()].count(name) == 1


def test_waiting_past_the_timeout_raises_and_leaves_the_cluster_starting(sp, name):
    # Sandbox pods take 4 s to start (conftest), so one second is surely too short.
    with pytest.raises(sp.WaitTimeout) as late:
        sp.connect(name, workers=1, timeout=1, progress=False)

    assert "left as it is" in str(late.value)
    assert sp.cluster(name).phase in ("Requested", "Provisioning", "Starting", "Running")


def test_ctrl_c_while_waiting_leaves_the_cluster_as_it_is_and_says_so(sp, name, monkeypatch):
    def interrupted(seconds):
        raise KeyboardInterrupt  # what Ctrl-C or a notebook's stop button raises inside the waiting loop's sleep

    monkeypatch.setattr(sp, "_sleep", interrupted)

    with pytest.raises(KeyboardInterrupt) as stopped:
        sp.connect(name, workers=1, progress=False)

    assert isinstance(stopped.value, sp.WaitInterrupted)
    assert "left as it is" in str(stopped.value)
    assert sp.cluster(name).phase not in ("Deleting", "Deleted")


def test_a_token_that_reaches_several_tenants_needs_the_tenant_argument(sp, tight, monkeypatch):
    monkeypatch.delenv("SPARK_PORTAL_TENANT")

    with pytest.raises(sp.TenantRequired) as ambiguous:
        sp.clusters()

    assert sorted(ambiguous.value.tenants) == ["default", "tight"]
    assert "tenant=" in str(ambiguous.value)
    assert sp.clusters(tenant=tight) == []


def test_without_an_address_the_error_says_where_to_set_one(sp, monkeypatch):
    monkeypatch.delenv("SPARK_PORTAL_URL")

    with pytest.raises(sp.ConfigurationError, match="SPARK_PORTAL_URL"):
        sp.clusters()


def test_without_a_token_the_error_says_where_to_set_one(sp, monkeypatch):
    monkeypatch.delenv("SPARK_PORTAL_TOKEN")

    with pytest.raises(sp.ConfigurationError, match="SPARK_PORTAL_TOKEN"):
        sp.clusters()


def test_a_portal_that_does_not_answer_is_unreachable(sp):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = "http://127.0.0.1:{}/".format(s.getsockname()[1])

    with pytest.raises(sp.PortalUnreachable, match="did not answer"):
        sp.clusters(url=closed)


def test_the_configuration_file_gives_address_token_and_tenant(sp, portal, monkeypatch, tmp_path):
    for variable in ("SPARK_PORTAL_URL", "SPARK_PORTAL_TOKEN", "SPARK_PORTAL_TENANT"):
        monkeypatch.delenv(variable)
    config = tmp_path / "config" / "spark-portal" / "config"
    config.parent.mkdir(parents=True)
    config.write_text("# written by hand\nurl = {}\ntoken = {}\ntenant = default\n".format(portal.url, portal.admin_token))

    assert isinstance(sp.clusters(), list)
    assert sp.config_path() == str(config)


def test_a_configuration_file_with_an_unknown_key_is_refused_naming_it(sp, monkeypatch, tmp_path):
    monkeypatch.delenv("SPARK_PORTAL_TENANT")
    config = tmp_path / "config" / "spark-portal" / "config"
    config.parent.mkdir(parents=True)
    config.write_text("tenat = default\n")

    with pytest.raises(sp.ConfigurationError, match="tenat"):
        sp.clusters()


def test_arguments_win_over_the_environment(sp, portal, monkeypatch):
    monkeypatch.setenv("SPARK_PORTAL_TOKEN", "spk_not-a-real-token")

    assert isinstance(sp.clusters(token=portal.admin_token), list)


def test_the_package_imports_nothing_beyond_the_standard_library(served):
    import subprocess
    import sys

    site = os.path.dirname(served.__file__)
    probe = ("import sys; before = set(sys.modules); import sparkportal; "
             "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('pyspark', 'tqdm', 'requests', 'grpc')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=site), timeout=60)

    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
