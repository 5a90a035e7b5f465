"""The dashboards API: a unit's sections as the page shows them, targets with their status, officers' targets,
scope and the OpenAPI schema."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from bdtx.dashboards import services
from bdtx.dashboards.models import Target

from . import scene


@pytest.fixture
def world(cast, standards):
    built = scene.build(cast, standards)
    call_command("load_targets", verbosity=0)
    return built


@pytest.fixture
def api():
    return APIClient()


def test_a_units_dashboard_has_every_section_for_the_unit_and_its_children(api, world, cast):
    api.force_authenticate(cast.local)
    response = api.get(f"/api/v1/dashboards/units/{world.tree.commune.pk}/", {"year": scene.YEAR})
    assert response.status_code == 200
    data = response.json()
    assert data["school_year"] == "2026-2027" and data["up_to_date"] is True and data["as_of"]
    assert data["completion"]["total"]["people"] == 9
    assert data["completion"]["total"]["completed"] == 2
    children = {row["unit"]["code"]: row for row in data["completion"]["children"]}
    assert children["TA"]["not_completed"] == 5 and children["MN"]["percent"] == 33.3
    assert data["ratings"]["total"]["tot"] == 1 and data["ratings"]["total"]["chua_dat"] == 1
    assert data["qualifications"]["total"]["meets"] == 3
    assert data["upgrade"]["total"]["must"] == 1
    assert data["retirement"]["total"]["by_year"]["2026"] == 2 and data["retirement"]["total"]["past"] == 1
    assert data["budget"]["total"]["approved"] == 5_000_000 and data["budget"]["total"]["pending"] == 1_000_000
    assert data["core"]["total"]["core"] == 2 and data["core"]["total"]["core_completed"] == 2
    assert data["needs"]["standard"] == "tt20-2018"
    assert data["needs"]["lines"][0]["cells"][1] == {"number": 2, "people": 1, "not_met": 1, "share": 50.0}
    preschool = [t for t in data["targets"] if t["code"] == "ke-hoach-gvmn-cao-dang"][0]
    assert preschool["measured"]["value"] == 33.3 and preschool["measured"]["part"] == 1


def test_an_outsider_gets_404_for_a_unit_outside_their_scope(api, world, cast):
    api.force_authenticate(cast.principal_b)
    assert api.get(f"/api/v1/dashboards/units/{world.tree.school_a.pk}/").status_code == 404
    assert api.get(f"/api/v1/dashboards/units/{world.tree.school_b.pk}/").status_code == 200


def test_a_bad_year_is_refused_with_a_message(api, world, cast):
    api.force_authenticate(cast.officer)
    response = api.get(f"/api/v1/dashboards/units/{world.tree.province.pk}/", {"year": "1990"})
    assert response.status_code == 400
    assert "year" in response.json()


def test_the_targets_list_gives_the_status_at_the_unit(api, world, cast, django_assert_max_num_queries):
    services.ensure_fresh(scene.YEAR)  # the figures counted: the list then only reads them
    api.force_authenticate(cast.local)
    with django_assert_max_num_queries(30):
        response = api.get("/api/v1/targets/", {"unit": "MN", "year": scene.YEAR})
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()["results"]}
    assert rows["ke-hoach-gvmn-kha"]["measured"]["value"] == 100.0  # Mai, the only rated preschool teacher: Tốt
    assert rows["ke-hoach-gvmn-kha"]["measured"]["status"] == "on_track"
    assert rows["qd1677-2020-cao-dang"]["measured"]["status"] == "missed"


def test_an_officer_creates_a_target_for_a_unit_of_theirs(api, world, cast):
    api.force_authenticate(cast.local)
    body = {
        "title": "95% giáo viên tiểu học phường hoàn thành BDTX",
        "metric": "completion",
        "unit": world.tree.commune.pk,
        "level": "tieu_hoc",
        "threshold": "95",
        "deadline": "2027-05-31",
        "year": scene.YEAR,
        "document": "Kế hoạch số 7/KH-UBND",
    }
    response = api.post("/api/v1/targets/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["measured"]["part"] == 1 and response.json()["measured"]["whole"] == 6
    target = Target.objects.get(pk=response.json()["id"])
    assert target.created_by == cast.local and not target.builtin


def test_a_target_for_a_unit_outside_theirs_is_refused(api, world, cast):
    api.force_authenticate(cast.local)
    body = {"title": "Mục tiêu", "metric": "completion", "unit": world.tree.school_b.pk, "threshold": 90}
    response = api.post("/api/v1/targets/", body, format="json")
    assert response.status_code == 400
    assert "unit" in response.json()


def test_a_principal_may_not_set_targets(api, world, cast):
    api.force_authenticate(cast.principal_a)
    body = {"title": "Mục tiêu", "metric": "completion", "unit": world.tree.school_a.pk, "threshold": 90}
    assert api.post("/api/v1/targets/", body, format="json").status_code == 403


def test_a_bad_threshold_is_refused_with_a_message(api, world, cast):
    api.force_authenticate(cast.officer)
    body = {"title": "Mục tiêu", "metric": "completion", "unit": world.tree.province.pk, "threshold": 120}
    response = api.post("/api/v1/targets/", body, format="json")
    assert response.status_code == 400 and "threshold" in response.json()


def test_the_endpoints_are_in_the_openapi_schema(api, db, cast):
    api.force_authenticate(cast.officer)
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/dashboards/units/{id}/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/targets/"]
