"""Clusters through the sparkportal package against the running portal: create, wait, list, scale, extend, delete."""

import datetime

import pytest


def test_create_then_wait_returns_the_cluster_running_with_its_workers_registered(sp, name):
    cluster = sp.create(name, workers=1, ttl="1h")
    assert cluster.phase == "Requested"

    cluster.wait(progress=False)

    assert cluster.phase == "Running"
    assert cluster.status["registeredWorkers"] == 1


def test_clusters_lists_the_tenants_clusters_with_their_phase(sp, name):
    sp.create(name, workers=1)

    listed = {c.name: c for c in sp.clusters()}

    assert listed[name].tenant == "default"
    assert listed[name].phase in ("Requested", "Provisioning", "Starting", "Running")


def test_cluster_by_name_reads_what_was_asked_for(sp, name):
    sp.create(name, workers=1, ttl="90m", worker_memory="1536Mi")

    cluster = sp.cluster(name)

    assert (cluster.workers, cluster.spec["workerMemory"], cluster.spec["timeToLive"]) == (1, "1536Mi", "01:30:00")


def test_scale_changes_the_workers_and_wait_returns_once_spark_has_them(sp, name):
    cluster = sp.create(name, workers=1).wait(progress=False)

    cluster.scale(2).wait(progress=False)

    assert (cluster.workers, cluster.status["registeredWorkers"]) == (2, 2)


def test_extend_moves_the_expiry_later_by_the_duration_given(sp, name):
    cluster = sp.create(name, workers=1, ttl="1h")
    before = cluster.expires_at

    cluster.extend("2h")

    assert cluster.expires_at - before == datetime.timedelta(hours=2)


def test_delete_with_wait_returns_once_the_cluster_is_deleted_and_it_stays_listed_for_history(sp, name):
    cluster = sp.create(name, workers=1)

    cluster.delete(wait=True)

    assert cluster.phase == "Deleted"
    assert name in {c.name for c in sp.clusters(phase="Deleted")}


def test_finding_or_creating_twice_makes_one_cluster(sp, name):
    first = sp.Portal().ensure(name, workers=1)
    again = sp.Portal().ensure(name, workers=1)

    assert again.created_at == first.created_at
    assert [c.name for c in sp.clusters()].count(name) == 1


def test_a_retried_create_with_the_same_idempotency_key_returns_the_first_cluster(sp, name):
    first = sp.create(name, workers=1, idempotency_key="retry-" + name)
    retried = sp.create(name, workers=1, idempotency_key="retry-" + name)

    assert retried.created_at == first.created_at


def test_after_a_deletion_finding_or_creating_makes_a_new_cluster_of_that_name(sp, name):
    first = sp.Portal().ensure(name, workers=1)
    first.delete(wait=True)

    second = sp.Portal().ensure(name, workers=1)

    assert second.phase == "Requested"
    assert second.created_at > first.created_at


def test_a_timedelta_works_as_a_time_to_live(sp, name):
    cluster = sp.create(name, workers=1, ttl=datetime.timedelta(days=1, hours=2))

    assert cluster.spec["timeToLive"] == "1.02:00:00"


@pytest.mark.parametrize("text", ["4 hours", "", "-1h"])
def test_a_duration_that_does_not_read_is_refused_before_any_call(sp, name, text):
    with pytest.raises(ValueError, match="not a duration"):
        sp.create(name, ttl=text)
