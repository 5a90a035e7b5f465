"""Liveness and readiness: does the database answer, and is the task queue keeping up?"""

import datetime as dt

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Case, Count, DateTimeField, F, Min, Q, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure to reach the database means "no"
        return False
    return True


def queue_backlog(now: dt.datetime | None = None) -> dict:
    """Tasks ready to run and not yet taken by a worker: how many, how many are late, the oldest one's wait.

    A task is ready from when it was enqueued, or from its `run_after` when that is later; it is late once it
    has waited READYZ_QUEUE_LATE_SECONDS. One query, on the queue's partial index of ready tasks.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.READYZ_QUEUE_LATE_SECONDS)
    ready_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest("enqueued_at", "run_after"),
        output_field=DateTimeField(),
    )
    counts = (
        DBTaskResult.objects.ready()
        .order_by()
        .annotate(since=ready_since)
        .aggregate(waiting=Count("pk"), late=Count("pk", filter=Q(since__lte=cutoff)), oldest=Min("since"))
    )
    oldest = counts["oldest"]
    return {
        "waiting": counts["waiting"],
        "late": counts["late"],
        "oldest_seconds": max(0, int((now - oldest).total_seconds())) if oldest else 0,
    }


def readiness(now: dt.datetime | None = None) -> tuple[bool, dict]:
    """(ready?, the JSON body of /readyz): the database answers and at most READYZ_QUEUE_MAX_LATE tasks are late."""
    if not database_answers():
        return False, {"status": "not_ready", "database": "unavailable", "queue": None}
    try:
        queue = queue_backlog(now)
    except DatabaseError:  # the queue's table is missing (migrations not applied) or unreadable
        return False, {"status": "not_ready", "database": "ok", "queue": None}
    ready = queue["late"] <= settings.READYZ_QUEUE_MAX_LATE
    queue |= {"late_after_seconds": settings.READYZ_QUEUE_LATE_SECONDS, "max_late": settings.READYZ_QUEUE_MAX_LATE}
    return ready, {"status": "ok" if ready else "not_ready", "database": "ok", "queue": queue}
