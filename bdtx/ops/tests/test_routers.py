"""The optional read replica (bdtx/ops/routers.py): report code opts in, only reads go there, writes and what decides
who may see what stay on the primary, and without a replica everything reads from "default"."""

import pytest
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bdtx.accounts.models import RoleAssignment
from bdtx.ops.routers import REPLICA, ROUTER, ReplicaRouter, for_reports, reporting, reporting_alias
from bdtx.organisations.models import Unit
from bdtx.results.models import YearResult
from bdtx.results.tests.scope_certificates import completed_result
from bdtx.testing import make_unit

# The replica reads what the primary committed: the tests that use it commit their data (transactional tests).
WITH_REPLICA = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica(settings):
    """What DATABASE_REPLICA_URL installs: the router, and the alias "replica" as a test mirror of "default" (what
    Django's TEST MIRROR does: the same database under its own connection, as a streaming replica is). The alias
    exists for this test only, so that no other test (nor the system checks) ever opens it."""
    mirror = {**connections["default"].settings_dict, "TEST": {**connections["default"].settings_dict["TEST"]}}
    mirror["TEST"]["MIRROR"] = "default"
    connections[REPLICA] = load_backend(mirror["ENGINE"]).DatabaseWrapper(mirror, REPLICA)
    settings.DATABASE_ROUTERS = [ROUTER]
    yield
    connections[REPLICA].close()
    del connections[REPLICA]


def reads_on(alias: str, work) -> int:
    """How many queries `work` sent through the connection of `alias`."""
    with CaptureQueriesContext(connections[alias]) as queries:
        work()
    return len(queries)


@pytest.mark.django_db
def test_without_a_replica_reports_read_from_the_primary():
    assert reporting_alias() == "default"
    assert for_reports(Unit.objects.all()).db == "default"
    with reporting():
        assert Unit.objects.all().db == "default"


@WITH_REPLICA
def test_the_report_helper_reads_through_the_replica_and_writes_stay_on_the_primary(replica):
    province = make_unit("SO", "Sở Giáo dục và Đào tạo", kind="so")
    assert Unit.objects.all().db == "default"  # outside reports: the primary
    assert for_reports(Unit.objects.all()).db == REPLICA
    assert reads_on(REPLICA, lambda: list(for_reports(Unit.objects.filter(code="SO")))) == 1
    with reporting():
        assert Unit.objects.all().db == REPLICA
        assert reads_on(REPLICA, lambda: Unit.objects.get(code="SO")) == 1
        # Who may see what is read from the primary: a role given a second ago counts at once.
        assert RoleAssignment.objects.all().db == "default"
        school = make_unit("TA", "Trường Tiểu học Tân Phong", parent=province)
        assert school._state.db == "default"
        read = Unit.objects.get(code="TA")
        read.name = "Trường Tiểu học Tân Phong (đổi tên)"
        read.save()  # an object read from the replica is saved to the primary
    assert Unit.objects.using("default").get(code="TA").name.endswith("(đổi tên)")


@WITH_REPLICA
def test_a_report_inside_a_transaction_on_the_primary_reads_its_own_writes_there(replica):
    with transaction.atomic():
        make_unit("SO", "Sở Giáo dục và Đào tạo", kind="so")
        assert reporting_alias() == "default"
        with reporting():
            assert Unit.objects.filter(code="SO").db == "default" and Unit.objects.filter(code="SO").exists()


@WITH_REPLICA
def test_the_results_report_page_reads_its_figures_from_the_replica(client, cast, replica):
    completed_result(cast.member_a)
    client.force_login(cast.officer)
    url = reverse("results:completion", kwargs={"pk": cast.tree.province.pk})
    with CaptureQueriesContext(connections[REPLICA]) as replica_queries:
        response = client.get(url, {"year": 2026})
    assert response.status_code == 200
    tables = " ".join(query["sql"] for query in replica_queries)
    assert replica_queries and YearResult._meta.db_table in tables
    assert "django_session" not in tables and RoleAssignment._meta.db_table not in tables


def test_the_replica_is_never_migrated_nor_written():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "staff") is False and router.allow_migrate("default", "staff") is True
    assert router.db_for_write(Unit) == "default"
