"""/api/v1/results/: the yearly results in the caller's scope with their ledger, and recognition in batch."""

import pytest

from bdtx.results import services
from bdtx.results.models import YearResult
from bdtx.staff.models import StaffGroup
from bdtx.testing import make_staff

RESULTS = "/api/v1/results/"
RECOGNISE = "/api/v1/results/recognise/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def results(cast, approved_plan):
    """2027 results of school A (member_a, the principal's own, two more teachers) and school B (member_b)."""
    make_staff(cast.tree.school_a, "Lò Văn Quang", code="HT-A-001", user=cast.principal_a, group=StaffGroup.MANAGER)
    make_staff(cast.tree.school_a, "Hoàng Văn Tài")
    make_staff(cast.tree.school_a, "Lê Thị Mai")
    services.recompute(2027)
    return YearResult.objects.filter(year=2027)


def test_the_list_holds_only_the_results_in_the_callers_scope(api, cast, results, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        body = api(cast.principal_a).get(RESULTS).json()
    assert body["count"] == 4
    assert {row["staff"]["code"] for row in body["results"]} >= {"GV-A-001", "HT-A-001"}
    assert "GV-B-001" not in {row["staff"]["code"] for row in body["results"]}
    row = next(row for row in body["results"] if row["staff"]["code"] == "GV-A-001")
    assert (row["outcome"], row["outcome_label"], row["school_year"]) == (
        "khong_hoan_thanh",
        "Không hoàn thành kế hoạch BDTX",
        "2027-2028",
    )
    assert api(cast.teacher_a).get(RESULTS).json()["count"] == 1  # their own


def test_the_list_filters_by_year_unit_outcome_and_recognition(api, cast, results):
    client = api(cast.officer)
    assert client.get(RESULTS, {"year": 2027, "unit": "TB"}).json()["count"] == 1
    assert client.get(RESULTS, {"outcome": "hoan_thanh"}).json()["count"] == 0
    services.recognise([results.get(staff=cast.member_a)], by=cast.principal_a)
    assert client.get(RESULTS, {"recognised": "Có"}).json()["count"] == 1
    assert client.get(RESULTS, {"year": 2026}).json()["count"] == 0


def test_a_bad_filter_is_a_400_naming_it(api, cast, results):
    client = api(cast.officer)
    response = client.get(RESULTS, {"outcome": "xuat_sac"})
    assert response.status_code == 400 and "outcome" in response.json()
    assert client.get(RESULTS, {"year": "hai"}).status_code == 400
    assert "unit" in client.get(RESULTS, {"unit": "KHONG-CO"}).json()


def test_the_detail_has_the_reasons_in_words_and_the_ledger(api, cast, results):
    result = results.get(staff=cast.member_a)
    body = api(cast.principal_a).get(f"{RESULTS}{result.pk}/").json()
    assert [line["module"] for line in body["lines"]] == ["", "", "GVPT 04", "GVPT 05", "GVPT 06", "GVPT 07"]
    assert body["reasons"][0]["key"] == "module_missing"
    assert body["reasons"][0]["text"].startswith("Mô đun GVPT 04 – ")
    assert body["rule"] == "tt19-2019 v1" and body["events"] == []


def test_an_outsider_gets_404_for_a_result(api, cast, results):
    result = results.get(staff=cast.member_a)
    assert api(cast.principal_b).get(f"{RESULTS}{result.pk}/").status_code == 404
    assert api(cast.principal_b).post(RECOGNISE, {"ids": [result.pk]}).status_code == 404
    assert api().get(RESULTS).status_code in (401, 403)


def test_the_principal_recognises_teachers_results_through_the_same_checks(api, cast, results):
    teachers = list(results.filter(unit=cast.tree.school_a, staff__group=StaffGroup.TEACHER))
    client = api(cast.principal_a)
    response = client.post(RECOGNISE, {"ids": [r.pk for r in teachers]})
    assert response.status_code == 200
    assert response.json() == {"recognised": 3, "already": []}
    assert client.post(RECOGNISE, {"ids": [teachers[0].pk]}).json() == {"recognised": 0, "already": [teachers[0].pk]}
    own = results.get(staff__user=cast.principal_a)
    response = client.post(RECOGNISE, {"ids": [own.pk]})
    assert response.status_code == 403
    assert "không ai tự công nhận kết quả của mình" in response.json()["detail"]
    assert api(cast.local).post(RECOGNISE, {"ids": [own.pk]}).json()["recognised"] == 1


def test_recognising_needs_ids(api, cast, results):
    response = api(cast.principal_a).post(RECOGNISE, {"ids": []})
    assert response.status_code == 400 and "ids" in response.json()
    assert api(cast.principal_a).post(RECOGNISE, {"ids": ["một"]}).status_code == 400
