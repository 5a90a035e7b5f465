"""An optional read replica for reports: DATABASE_REPLICA_URL adds the database alias "replica" and this router.

Report code opts in explicitly, and only reads go there:

    @reporting()                      # a report view: its data reads go to the replica
    def completion(request, pk): …

    with reporting(): rows = completion_by_unit(…)
    for_reports(YearResult.objects.filter(…))   # one queryset

Everything else (and every write, and whatever a report reads inside a transaction on the primary, which must see
its own writes) stays on the primary, "default". Who the user is and what they may see (sessions, accounts, roles)
is always read from the primary, so a sign-in or a new role counts at once. Without a replica configured, every
helper here reads from "default" and the router is not installed. A replica lags the primary by about a second
(docs/deploy.md): reports may be that much behind, which is fine for counts and never used to decide a write.
"""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
ROUTER = "bdtx.ops.routers.ReplicaRouter"
# Always read from the primary: who the user is, what they may do, the queue and the job leases.
PRIMARY_APPS = frozenset(
    {"auth", "contenttypes", "sessions", "admin", "authtoken", "accounts", "ops", "django_tasks_db", "security"}
)
_state = threading.local()


def replica_configured() -> bool:
    """DATABASE_REPLICA_URL installs the alias and the router together (bdtx/settings.py)."""
    return ROUTER in settings.DATABASE_ROUTERS


def reporting_alias() -> str:
    """The database report queries read now: the replica, unless none is configured or this thread is inside a
    transaction on the primary (whose writes the replica does not have yet)."""
    if replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA
    return DEFAULT_DB_ALIAS


def for_reports(queryset):
    """The queryset, read from the replica when there is one (see reporting_alias)."""
    return queryset.using(reporting_alias())


@contextmanager
def reporting():
    """Inside it (or in a view decorated with it), data reads go to the replica when there is one."""
    previous = getattr(_state, "reporting", False)
    _state.reporting = True
    try:
        yield
    finally:
        _state.reporting = previous


class ReplicaRouter:
    """Installed with DATABASE_REPLICA_URL (bdtx/settings.py). Sends the reads made inside reporting() to the
    replica; everything else to the primary. Never writes to the replica, never migrates it (it is a copy)."""

    def db_for_read(self, model, **hints):
        if getattr(_state, "reporting", False) and model._meta.app_label not in PRIMARY_APPS:
            return reporting_alias()
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
