import datetime as dt

import pytest
import yaml
from django.utils import timezone

from bdtx.appraisals import services
from bdtx.appraisals.models import Appraisal, AppraisalEvent, TrainingNeed
from bdtx.testing import make_cycle, make_staff

CYCLES = "/api/v1/appraisal-cycles/"
APPRAISALS = "/api/v1/appraisals/"
NEEDS = "/api/v1/training-needs/"


def url(appraisal, action: str = "") -> str:
    return f"{APPRAISALS}{appraisal.pk}/{action + '/' if action else ''}"


def every(code: str, count: int = 15, **overrides: str) -> dict[str, str]:
    return {str(n): code for n in range(1, count + 1)} | overrides


@pytest.fixture
def cycle(cast, standards):
    """A cycle opened at the commune: it reaches school A only."""
    return make_cycle(cast.tree.commune, by=cast.local)


@pytest.fixture
def own(cast, cycle):
    """teacher_a's appraisal (member_a, rated by TT 20)."""
    return services.start_appraisal(cycle, cast.member_a)


def submitted(appraisal, levels: dict[str, str], *, evidence_for=()) -> Appraisal:
    services.save_self_assessment(appraisal, by=None, levels=levels)
    for number in evidence_for:
        services.add_evidence(
            appraisal, by=None, title=f"Minh chứng {number}", criterion_number=number, description="x"
        )
    return services.submit_self_assessment(appraisal, by=None)


def teachers(cast, cycle, count: int) -> list[Appraisal]:
    return [
        services.start_appraisal(cycle, make_staff(cast.tree.school_a, f"Giáo viên {n:02d}", code=f"GV-A-2{n:02d}"))
        for n in range(count)
    ]


# Standards -----------------------------------------------------------------------------------------------


def test_any_signed_in_person_reads_the_standards(api, cast, standards):
    body = api(cast.teacher_a).get("/api/v1/standards/").json()
    assert {row["code"] for row in body["results"]} == {"tt14-2018", "tt20-2018", "tt25-2018", "tt26-2018"}
    tt20 = next(row for row in body["results"] if row["code"] == "tt20-2018")
    assert tt20["criteria_count"] == 15
    assert tt20["core_criteria"] == [3, 4, 5, 6, 7]
    assert tt20["unconfirmed"]


def test_a_standard_shows_its_criteria_descriptors_and_core_flags(api, cast, standards):
    body = api(cast.principal_b).get("/api/v1/standards/tt20-2018/").json()
    assert [c["number"] for c in body["criteria"]] == list(range(1, 16))
    first = body["criteria"][0]
    assert first["title"] == "Đạo đức nhà giáo"
    assert first["area"] == 1 and first["area_title"] == "Phẩm chất nhà giáo"
    assert set(first["descriptors"]) == {"dat", "kha", "tot"}
    assert [c["number"] for c in body["criteria"] if c["is_core"]] == [3, 4, 5, 6, 7]


def test_an_unknown_standard_is_404_and_a_bad_subject_filter_is_explained(api, cast, standards):
    client = api(cast.teacher_a)
    assert client.get("/api/v1/standards/tt99-2030/").status_code == 404
    response = client.get("/api/v1/standards/", {"subject": "hocsinh"})
    assert response.status_code == 400
    assert response.json() == {"subject": ["“hocsinh” không thuộc các giá trị: teacher, principal."]}


def test_an_anonymous_caller_gets_401_on_the_standards(api, standards):
    assert api().get("/api/v1/standards/").status_code == 401


# Cycles --------------------------------------------------------------------------------------------------


def test_a_cycle_is_listed_for_those_it_reaches(api, cast, cycle):
    body = api(cast.principal_a).get(CYCLES).json()
    assert [row["id"] for row in body["results"]] == [cycle.pk]
    row = body["results"][0]
    assert row["unit_code"] == "PA"
    assert row["school_year"] == f"{cycle.year}-{cycle.year + 1}"
    assert row["self_assessment_until"] == cycle.self_assessment_until.isoformat()
    assert api(cast.principal_a).get(f"{CYCLES}{cycle.pk}/").json()["title"] == cycle.title


def test_the_outsider_neither_lists_nor_reads_the_communes_cycle(api, client, cast, cycle):
    assert api(cast.principal_b).get(CYCLES).json()["count"] == 0
    assert api(cast.principal_b).get(f"{CYCLES}{cycle.pk}/").status_code == 404
    client.force_login(cast.principal_b)
    assert client.get(f"{CYCLES}{cycle.pk}/").status_code == 404


def test_a_bad_year_filter_is_explained(api, cast, cycle):
    response = api(cast.officer).get(CYCLES, {"year": "năm nay"})
    assert response.status_code == 400
    assert response.json() == {"year": ["“năm nay” không phải là số nguyên."]}
    assert api(cast.officer).get(CYCLES, {"year": cycle.year + 1}).json()["count"] == 0


# Appraisals: reading -------------------------------------------------------------------------------------


def test_the_principal_lists_the_schools_appraisals_in_few_queries(
    api, cast, cycle, own, django_assert_max_num_queries
):
    teachers(cast, cycle, 6)
    client = api(cast.principal_a)
    # token, roles, the unit filter, the count, the page: the same for 7 people or 700
    with django_assert_max_num_queries(6):
        body = client.get(APPRAISALS, {"cycle": cycle.pk, "unit": "TA"}).json()
    assert body["count"] == 7
    row = next(row for row in body["results"] if row["id"] == own.pk)
    assert row["staff"] == {"id": cast.member_a.pk, "code": "GV-A-001", "full_name": "Nguyễn Thị Hoà"}
    assert row["unit_code"] == "TA"
    assert row["standard"] == "tt20-2018"
    assert row["self_status"] == "draft" and row["evaluation_status"] == "none"
    assert row["self_levels"] == {} and row["final_rating"] == ""


def test_the_list_filters_by_status_and_rating(api, cast, cycle, own):
    submitted(own, every("kha"))
    client = api(cast.principal_a)
    assert client.get(APPRAISALS, {"self_status": "submitted"}).json()["count"] == 1
    assert client.get(APPRAISALS, {"evaluation_status": "confirmed"}).json()["count"] == 0
    row = services.EvaluationRow(own, dict.fromkeys(range(1, 16), "kha"))
    services.confirm_evaluations([row], by=cast.principal_a, acknowledged=True)
    assert client.get(APPRAISALS, {"rating": "Khá"}).json()["count"] == 1
    assert client.get(APPRAISALS, {"rating": "tot"}).json()["count"] == 0


def test_bad_list_filters_are_explained(api, cast, own):
    client = api(cast.principal_a)
    response = client.get(APPRAISALS, {"rating": "xuất sắc"})
    assert response.status_code == 400
    assert response.json() == {"rating": ["“xuất sắc” không phải là một mức; dùng chua_dat, dat, kha hoặc tot."]}
    response = client.get(APPRAISALS, {"unit": "TB"})
    assert response.json() == {"unit": ["Không có đơn vị “TB” trong các đơn vị của bạn."]}
    assert client.get(APPRAISALS, {"self_status": "done"}).status_code == 400


def test_the_outsider_sees_no_appraisal_of_school_a(api, client, cast, own):
    assert api(cast.principal_b).get(APPRAISALS).json()["count"] == 0
    assert api(cast.principal_b).get(url(own)).status_code == 404
    client.force_login(cast.principal_b)
    assert client.get(url(own)).status_code == 404


def test_a_teacher_reads_their_own_appraisal_only(api, cast, cycle, own):
    teachers(cast, cycle, 2)
    client = api(cast.teacher_a)
    assert [row["id"] for row in client.get(APPRAISALS).json()["results"]] == [own.pk]
    body = client.get(url(own)).json()
    assert body["version"] == own.version
    assert body["strengths"] == ""


# Self-assessment -----------------------------------------------------------------------------------------


def test_the_teacher_saves_a_draft_and_unsent_fields_are_kept(api, cast, own):
    client = api(cast.teacher_a)
    response = client.patch(
        url(own, "self-assessment"),
        {"version": 1, "levels": {"1": "tot", "2": "Khá"}, "strengths": "Nhiệt tình", "notes": {"1": "Dự giờ"}},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["self_levels"] == {"1": "tot", "2": "kha"}
    response = client.patch(url(own, "self-assessment"), {"version": 2, "levels": {"2": None, "3": "dat"}})
    body = response.json()
    assert body["self_levels"] == {"1": "tot", "3": "dat"}
    assert body["strengths"] == "Nhiệt tình" and body["self_notes"] == {"1": "Dự giờ"}
    assert body["version"] == 3


def test_a_stale_version_gets_409_and_changes_nothing(api, cast, own):
    client = api(cast.teacher_a)
    client.patch(url(own, "self-assessment"), {"version": 1, "levels": {"1": "tot"}})
    response = client.patch(url(own, "self-assessment"), {"version": 1, "levels": {"1": "dat"}})
    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    assert response.json()["detail"].startswith("Phiếu này vừa được sửa ở nơi khác")
    own.refresh_from_db()
    assert own.self_levels == {"1": "tot"}


def test_bad_self_assessment_input_is_explained_by_field(api, cast, own):
    client = api(cast.teacher_a)
    response = client.patch(url(own, "self-assessment"), {"levels": {"16": "tot", "2": "gioi"}})
    assert response.status_code == 400
    body = response.json()
    assert body["version"] == ["Trường này là bắt buộc."]
    assert body["levels"] == [
        "“16” không phải là tiêu chí của chuẩn này: dùng số từ 1 đến 15.",
        "Tiêu chí 2: “gioi” không phải là một mức; dùng chua_dat, dat, kha hoặc tot.",
    ]
    response = client.patch(url(own, "self-assessment"), {"version": 1, "declared_criteria": [2, 20]})
    assert response.json() == {"declared_criteria": ["Chuẩn không có tiêu chí 20: dùng số từ 1 đến 15."]}


def test_only_the_person_changes_their_self_assessment(api, cast, own):
    response = api(cast.principal_a).patch(url(own, "self-assessment"), {"version": 1, "levels": {"1": "tot"}})
    assert response.status_code == 403
    assert response.json()["detail"] == "Chỉ người được đánh giá mới sửa hoặc gửi được bản tự đánh giá của mình."
    assert api(cast.principal_a).post(url(own, "submit"), {}).status_code == 403
    assert api(cast.principal_b).patch(url(own, "self-assessment"), {"version": 1}).status_code == 404
    assert api(cast.principal_b).post(url(own, "submit"), {}).status_code == 404


def test_an_incomplete_self_assessment_cannot_be_submitted(api, cast, own):
    services.save_self_assessment(own, by=None, levels=every("kha", 13))
    response = api(cast.teacher_a).post(url(own, "submit"), {})
    assert response.status_code == 400
    assert response.json()["detail"] == "Tiêu chí chưa có mức: 14, 15 (chuẩn có 15 tiêu chí, cần nhập mức cho tất cả)."
    own.refresh_from_db()
    assert not own.submitted


def test_submitting_rates_by_the_rule_then_locks(api, cast, own):
    services.save_self_assessment(own, by=None, levels=every("tot", **{"1": "kha", "2": "kha"}))
    client = api(cast.teacher_a)
    response = client.post(url(own, "submit"), {"version": 2})
    assert response.status_code == 200, response.json()
    assert response.json()["self_status"] == "submitted"
    assert response.json()["self_rating"] == "tot"
    assert response.json()["self_rating_label"] == "Tốt"
    assert client.post(url(own, "submit"), {}).json() == {
        "detail": "Phiếu tự đánh giá đã được nộp rồi.",
        "code": "locked",
    }
    response = client.patch(url(own, "self-assessment"), {"version": 3, "levels": {"1": "dat"}})
    assert response.status_code == 409
    assert response.json()["code"] == "locked"
    assert AppraisalEvent.objects.filter(appraisal=own, action="submitted").count() == 1


def test_submitting_after_the_deadline_is_refused(api, cast, standards):
    today = timezone.localdate()
    late = make_cycle(
        cast.tree.commune,
        self_assessment_from=today - dt.timedelta(days=30),
        self_assessment_until=today - dt.timedelta(days=1),
    )
    appraisal = services.start_appraisal(late, cast.member_a)
    services.save_self_assessment(appraisal, by=None, levels=every("kha"))
    response = api(cast.teacher_a).post(url(appraisal, "submit"), {})
    assert response.status_code == 400
    deadline = (today - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert (
        response.json()["detail"]
        == f"Hạn tự đánh giá là ngày {deadline}; hãy đề nghị nhà trường xin gia hạn đợt đánh giá."
    )


def test_a_stale_submit_is_refused(api, cast, own):
    services.save_self_assessment(own, by=None, levels=every("kha"))
    response = api(cast.teacher_a).post(url(own, "submit"), {"version": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "stale"


# Evaluation ----------------------------------------------------------------------------------------------


def test_the_principal_saves_a_draft_starting_from_the_self_assessment(api, cast, own):
    submitted(own, every("kha"), evidence_for=range(1, 16))
    response = api(cast.principal_a).post(url(own, "evaluation"), {"levels": {"1": "dat"}, "comment": "Cố gắng"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["evaluation_status"] == "draft"
    assert body["final_levels"] == every("kha", **{"1": "dat"})
    assert body["final_rating"] == "kha"  # criterion 1 is not a core one
    assert body["evaluation_comment"] == "Cố gắng"
    assert body["flags"] == []


def test_flags_stop_a_confirmation_with_409_and_nothing_is_written(api, cast, own):
    submitted(own, every("dat"))
    version = Appraisal.objects.get(pk=own.pk).version
    response = api(cast.principal_a).post(url(own, "evaluation"), {"levels": every("tot"), "confirm": True})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "needs_acknowledgement"
    codes = {flag["code"] for flag in body["flags"]}
    assert codes == {"no_evidence", "all_tot", "gap"}
    assert body["detail"] == "Có kết quả đánh giá cần xem lại trước khi xác nhận."
    assert {"code": "all_tot", "message": "Tất cả tiêu chí đều xếp mức Tốt."} in body["flags"]
    own.refresh_from_db()
    assert (own.version, own.evaluation_status, own.final_levels) == (version, "none", {})
    assert not AppraisalEvent.objects.filter(appraisal=own, action="confirmed").exists()


def test_an_acknowledged_confirmation_is_locked_and_audited(api, cast, own):
    submitted(own, every("dat"))
    client = api(cast.principal_a)
    body = {"levels": every("tot"), "confirm": True, "acknowledge_flags": True, "comments": {"3": "Rất tốt"}}
    response = client.post(url(own, "evaluation"), body)
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["evaluation_status"] == "confirmed" and result["final_rating"] == "tot"
    assert result["final_comments"] == {"3": "Rất tốt"}
    assert {flag["code"] for flag in result["flags"]} == {"no_evidence", "all_tot", "gap"}
    event = AppraisalEvent.objects.get(appraisal=own, action="confirmed")
    assert event.by == cast.principal_a and len(event.details["flags"]) == 3
    assert TrainingNeed.objects.filter(appraisal=own).exists() is False  # every criterion Tốt: nothing to train
    again = client.post(url(own, "evaluation"), {"confirm": True})
    assert again.status_code == 409
    assert again.json() == {
        "detail": "Kết quả đánh giá đã được xác nhận; chỉ cấp trên mới mở lại được.",
        "code": "locked",
    }


def test_an_incomplete_confirmation_is_refused_with_the_missing_criteria(api, cast, own):
    services.save_self_assessment(own, by=None, levels=every("kha", 14))
    response = api(cast.principal_a).post(url(own, "evaluation"), {"confirm": True, "acknowledge_flags": True})
    assert response.status_code == 400
    assert "15" in response.json()["detail"]
    own.refresh_from_db()
    assert own.evaluation_status == "none"


def test_confirming_the_same_levels_one_by_one_is_flagged_as_on_the_bulk_screen(api, cast, cycle):
    client = api(cast.principal_a)
    levels = every("kha", **{"1": "tot"})
    people = teachers(cast, cycle, 3)
    for appraisal in people:
        submitted(appraisal, levels, evidence_for=range(1, 16))
    for appraisal in people[:2]:
        assert client.post(url(appraisal, "evaluation"), {"confirm": True}).status_code == 200
    response = client.post(url(people[2], "evaluation"), {"confirm": True})
    assert response.status_code == 409
    assert response.json()["flags"] == [
        {"code": "same_pattern", "message": "Các tiêu chí được xếp mức giống hệt 2 người khác."}
    ]


def test_the_teacher_cannot_evaluate_themself_and_the_outsider_gets_404(api, client, cast, own):
    submitted(own, every("kha"))
    response = api(cast.teacher_a).post(url(own, "evaluation"), {"confirm": True, "acknowledge_flags": True})
    assert response.status_code == 403
    assert "không đánh giá được" in response.json()["detail"]
    assert api(cast.principal_b).post(url(own, "evaluation"), {"confirm": True}).status_code == 404
    client.force_login(cast.principal_b)
    assert client.post(url(own, "evaluation"), {}, content_type="application/json").status_code == 404
    own.refresh_from_db()
    assert own.evaluation_status == "none"


def test_a_teacher_cannot_even_see_a_colleagues_evaluation(api, cast, cycle):
    colleague = teachers(cast, cycle, 1)[0]
    assert api(cast.teacher_a).post(url(colleague, "evaluation"), {}).status_code == 404


def test_a_stale_evaluation_gets_409_and_a_signed_in_head_may_use_the_session(client, api, cast, own):
    submitted(own, every("kha"), evidence_for=range(1, 16))
    version = Appraisal.objects.get(pk=own.pk).version
    client.force_login(cast.principal_a)
    response = client.post(url(own, "evaluation"), {"version": version}, content_type="application/json")
    assert response.status_code == 200 and response.json()["version"] == version + 1
    response = api(cast.principal_a).post(url(own, "evaluation"), {"version": version, "confirm": True})
    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    assert Appraisal.objects.get(pk=own.pk).evaluation_status == "draft"


def test_bad_evaluation_input_is_explained(api, cast, own):
    response = api(cast.principal_a).post(url(own, "evaluation"), {"levels": ["tot"], "confirm": "có lẽ"})
    assert response.status_code == 400
    body = response.json()
    assert body["levels"] == ['Gửi các mức dưới dạng đối tượng số tiêu chí → mức, ví dụ {"1": "tot", "2": "kha"}.']
    assert "confirm" in body


def test_a_principal_is_evaluated_by_the_commune_officer_not_by_the_province(api, cast, cycle):
    head = make_staff(cast.tree.school_a, "Lê Văn Nam", group="manager", position="Hiệu trưởng", gender="nam")
    appraisal = services.start_appraisal(cycle, head)
    assert appraisal.standard.code == "tt14-2018"
    submitted(appraisal, every("kha", appraisal.standard.criteria_count))
    assert api(cast.principal_a).post(url(appraisal, "evaluation"), {}).status_code == 403
    assert api(cast.officer).post(url(appraisal, "evaluation"), {}).status_code == 403
    assert api(cast.local).post(url(appraisal, "evaluation"), {}).status_code == 200


# Training needs ------------------------------------------------------------------------------------------


def test_needs_follow_the_rating_and_are_filtered(api, cast, cycle, own, django_assert_max_num_queries):
    submitted(own, every("kha", **{"4": "dat", "9": "dat"}))
    for appraisal in teachers(cast, cycle, 4):
        submitted(appraisal, every("kha", **{"2": "dat"}))
    client = api(cast.local)
    with django_assert_max_num_queries(7):
        body = client.get(NEEDS, {"year": cycle.year, "unit": "PA", "standard": "tt20-2018"}).json()
    assert body["count"] == 6
    mine = [row for row in body["results"] if row["staff"]["id"] == cast.member_a.pk]
    assert [(row["criterion"], row["level"], row["source"]) for row in mine] == [
        (4, "dat", "rating"),
        (9, "dat", "rating"),
    ]
    assert mine[0]["standard"] == "tt20-2018" and mine[0]["unit_code"] == "TA" and mine[0]["criterion_title"]
    assert client.get(NEEDS, {"criterion": 2}).json()["count"] == 4
    assert api(cast.teacher_a).get(NEEDS).json()["count"] == 2
    assert api(cast.principal_b).get(NEEDS).json()["count"] == 0


def test_a_bad_needs_filter_is_explained(api, cast, standards):
    response = api(cast.officer).get(NEEDS, {"standard": "tt99"})
    assert response.status_code == 400
    assert response.json()["standard"][0].startswith("Không có chuẩn “tt99”.")


# Schema --------------------------------------------------------------------------------------------------


def test_the_schema_describes_the_appraisal_endpoints(client, db):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert {
        "/api/v1/standards/",
        "/api/v1/standards/{code}/",
        "/api/v1/appraisal-cycles/",
        "/api/v1/appraisal-cycles/{id}/",
        "/api/v1/appraisals/",
        "/api/v1/appraisals/{id}/",
        "/api/v1/appraisals/{id}/self-assessment/",
        "/api/v1/appraisals/{id}/submit/",
        "/api/v1/appraisals/{id}/evaluation/",
        "/api/v1/training-needs/",
    } <= set(schema["paths"])
    assert "409" in schema["paths"]["/api/v1/appraisals/{id}/evaluation/"]["post"]["responses"]
