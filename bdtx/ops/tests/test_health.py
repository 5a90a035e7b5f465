"""/healthz (CONTRACTS.md) and /readyz: the database answers, and the task queue keeps up."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max


def enqueue(*, waited_seconds: int = 0, run_after=None, status="READY"):
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="bdtx.staff.tasks.build_export",
        backend_name="default",
        run_after=run_after or get_date_max(),
        status=status,
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - dt.timedelta(seconds=waited_seconds))
    return task


@pytest.fixture
def readyz_limits(settings):
    settings.READYZ_QUEUE_LATE_SECONDS = 120
    settings.READYZ_QUEUE_MAX_LATE = 2


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_with_an_empty_queue_and_needs_no_sign_in(client, db, readyz_limits):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "queue": {"waiting": 0, "late": 0, "oldest_seconds": 0, "late_after_seconds": 120, "max_late": 2},
    }
    assert "no-cache" in response["Cache-Control"]


def test_readyz_counts_waiting_tasks_and_stays_ready_while_few_are_late(client, db, readyz_limits):
    enqueue(waited_seconds=5)
    enqueue(waited_seconds=600)
    enqueue(waited_seconds=900)
    enqueue(waited_seconds=3000, status="RUNNING")  # taken by a worker: not waiting
    enqueue(waited_seconds=3000, status="SUCCESSFUL")
    response = client.get("/readyz")
    assert response.status_code == 200
    queue = response.json()["queue"]
    assert (queue["waiting"], queue["late"]) == (3, 2)
    assert 900 <= queue["oldest_seconds"] < 960


def test_readyz_answers_503_when_more_tasks_are_late_than_allowed(client, db, readyz_limits):
    for seconds in (200, 300, 400):
        enqueue(waited_seconds=seconds)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["database"] == "ok"
    assert body["queue"]["late"] == 3


def test_a_task_scheduled_for_later_waits_only_from_its_start_time(client, db, readyz_limits):
    now = timezone.now()
    enqueue(waited_seconds=3600, run_after=now - dt.timedelta(seconds=30))  # due 30 s ago: not late
    enqueue(waited_seconds=3600, run_after=now + dt.timedelta(hours=1))  # not due yet: not waiting
    queue = client.get("/readyz").json()["queue"]
    assert (queue["waiting"], queue["late"]) == (1, 0)
    assert 30 <= queue["oldest_seconds"] < 90


def test_readyz_answers_only_get(client, db):
    assert client.post("/readyz").status_code == 405


def test_readyz_reads_the_queue_in_one_query(client, db, readyz_limits, django_assert_max_num_queries):
    for seconds in (10, 200, 300):
        enqueue(waited_seconds=seconds)
    with django_assert_max_num_queries(2):  # SELECT 1, then the queue's counts
        client.get("/readyz")
