"""A person's result page, the person's own, a unit's results with recognition in batch and recomputation, and who
may recognise, correct and reopen."""

import pytest
from django.urls import reverse

from bdtx.results import services
from bdtx.results.models import ResultEvent, YearResult
from bdtx.results.tests import scope_results
from bdtx.results.views import results as result_views
from bdtx.staff.models import StaffGroup
from bdtx.testing import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def result_a(cast, approved_plan):
    """member_a's 2027 result: nothing taken yet, so not completed."""
    services.recompute(2027, unit=cast.tree.school_a)
    return YearResult.objects.get(staff=cast.member_a, year=2027)


@pytest.fixture
def principal_record(cast):
    """principal_a's own staff record: a school manager at school A."""
    return make_staff(
        cast.tree.school_a, "Lò Văn Quang", code="HT-A-001", user=cast.principal_a, group=StaffGroup.MANAGER
    )


def url(name, pk):
    return reverse(name, kwargs={"pk": pk})


# A person's result -----------------------------------------------------------------------------------------


def test_the_result_page_says_the_outcome_and_what_is_missing_in_vietnamese(client, cast, result_a):
    client.force_login(cast.principal_a)
    response = client.get(url("results:result", result_a.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Không hoàn thành kế hoạch BDTX" in page
    assert "Mô đun GVPT 05 – " in page
    assert "chưa hoàn thành: chưa ghi danh lớp nào dạy mô đun này" in page
    assert "Nội dung 01: mới hoàn thành 0/40 tiết." in page
    assert "Sổ theo dõi số tiết" in page and "tt19-2019 v1" in page
    assert "Tỷ lệ chuyên cần tối thiểu (80%)" in page  # the rule's unconfirmed notes
    assert "Công nhận kết quả" in page  # the principal may recognise a teacher's result


def test_reason_text_names_the_module_its_title_periods_and_classes(cast):
    from django.utils import translation

    from bdtx.results.reports import reason_text

    line = {"module": "GVPT 05", "title": "Dạy học tích cực", "planned": 10, "classes": ["L03"]}
    with translation.override("vi"):
        assert reason_text("module_pending", {"module": "GVPT 05"}, line) == (
            "Mô đun GVPT 05 – Dạy học tích cực, 10 tiết chưa hoàn thành: đang chờ điểm (lớp L03)."
        )
        assert reason_text("module_failed", {"module": "GVPT 05"}) == "Mô đun GVPT 05 chưa hoàn thành: không đạt."
        assert reason_text("no_plan", {}) == "Chưa có kế hoạch BDTX cá nhân được duyệt cho năm học này."


def test_a_teacher_reads_their_own_result_by_school_year(client, cast, result_a):
    client.force_login(cast.teacher_a)
    response = client.get(reverse("results:mine"), {"year": 2027})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nguyễn Thị Hoà" in page and "2027-2028" in page
    assert "Công nhận kết quả" not in page  # never their own
    assert client.get(url("results:result", result_a.pk)).status_code == 200


def test_my_result_is_worked_out_on_the_first_visit(client, cast):
    client.force_login(cast.teacher_a)
    response = client.get(reverse("results:mine"), {"year": 2027})
    assert response.status_code == 200
    assert "Chưa có kế hoạch BDTX cá nhân được duyệt cho năm học này." in response.content.decode()
    assert YearResult.objects.filter(staff=cast.member_a, year=2027).exists()


def test_my_result_refuses_a_year_that_is_not_one(client, cast):
    client.force_login(cast.teacher_a)
    response = client.get(reverse("results:mine"), {"year": "hai nghìn"})
    assert response.status_code == 400
    assert "không phải là năm học" in response.content.decode()


def test_someone_without_a_staff_record_is_told_why_there_is_no_result(client, cast):
    client.force_login(cast.officer)
    response = client.get(reverse("results:mine"))
    assert response.status_code == 404
    assert "chưa được liên kết với hồ sơ cán bộ" in response.content.decode()


# Recognition ------------------------------------------------------------------------------------------------


def test_the_principal_recognises_a_teachers_result_which_is_then_locked(client, cast, result_a):
    client.force_login(cast.principal_a)
    response = client.post(url("results:result-recognise", result_a.pk), follow=True)
    assert "Đã công nhận kết quả" in response.content.decode()
    result_a.refresh_from_db()
    assert result_a.recognised and result_a.recognised_by == cast.principal_a
    assert services.recompute(2027, unit=cast.tree.school_a)["locked"] == 1
    page = client.get(url("results:result", result_a.pk)).content.decode()
    assert "Đã công nhận" in page and "Điều chỉnh kết quả" not in page and "Mở lại" not in page


def test_nobody_recognises_their_own_result(client, cast, principal_record):
    services.recompute(2027, unit=cast.tree.school_a)
    own = YearResult.objects.get(staff=principal_record, year=2027)
    client.force_login(cast.principal_a)
    assert client.post(url("results:result-recognise", own.pk)).status_code == 403
    own.refresh_from_db()
    assert not own.recognised


def test_a_principals_result_is_recognised_by_the_commune_not_by_the_school(client, cast, principal_record):
    services.recompute(2027, unit=cast.tree.school_a)
    own = YearResult.objects.get(staff=principal_record, year=2027)
    assert not services.can_recognise(cast.principal_a, own)
    assert services.can_recognise(cast.local, own) and services.can_recognise(cast.officer, own)
    client.force_login(cast.local)
    client.post(url("results:result-recognise", own.pk))
    own.refresh_from_db()
    assert own.recognised and own.recognised_by == cast.local


def test_the_outsider_gets_404_on_every_results_address(client, cast, approved_plan):
    records = scope_results.records(cast)
    client.force_login(cast.principal_b)
    for name, pk in records.items():
        if name.startswith("api:"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url(name, pk))
            assert response.status_code in (404, 405), f"{method} {name} → {response.status_code}"
    assert YearResult.objects.filter(recognised=True).count() == 0


def test_a_teacher_sees_no_unit_page(client, cast, result_a):
    client.force_login(cast.teacher_a)
    assert client.get(url("results:unit", cast.tree.school_a.pk)).status_code == 404
    assert client.post(url("results:result-correct", result_a.pk), {"reason": "x"}).status_code == 403


# Corrections and reopening ---------------------------------------------------------------------------------


def test_the_commune_corrects_a_result_with_a_reason_and_the_history_shows_it(client, cast, result_a):
    client.force_login(cast.local)
    response = client.post(url("results:result-correct", result_a.pk), {"outcome": "hoan_thanh", "reason": ""})
    assert response.status_code == 400
    assert "Hãy ghi lý do điều chỉnh kết quả" in response.content.decode()
    response = client.post(
        url("results:result-correct", result_a.pk),
        {"outcome": "hoan_thanh", "reason": "Đã học bù lớp tháng 6", "version": result_a.version},
        follow=True,
    )
    page = response.content.decode()
    result_a.refresh_from_db()
    assert result_a.outcome == "hoan_thanh" and result_a.corrected
    event = ResultEvent.objects.get(result=result_a)
    assert (event.action, event.by, event.reason) == ("correct", cast.local, "Đã học bù lớp tháng 6")
    assert "Đã học bù lớp tháng 6" in page
    assert "Không hoàn thành kế hoạch BDTX → Hoàn thành kế hoạch BDTX" in page


def test_a_stale_correction_is_refused(client, cast, result_a):
    client.force_login(cast.local)
    response = client.post(
        url("results:result-correct", result_a.pk),
        {"outcome": "hoan_thanh", "reason": "Học bù", "version": result_a.version + 5},
    )
    assert response.status_code == 400
    assert "vừa được người khác thay đổi" in response.content.decode()


def test_the_school_cannot_correct_or_reopen_its_own_results(client, cast, result_a):
    client.force_login(cast.principal_a)
    response = client.post(url("results:result-correct", result_a.pk), {"outcome": "hoan_thanh", "reason": "x"})
    assert response.status_code == 403
    services.recognise([result_a], by=cast.principal_a)
    assert client.post(url("results:result-reopen", result_a.pk), {"reason": "x"}).status_code == 403


def test_the_level_above_reopens_a_recognised_result_with_a_reason(client, cast, result_a):
    services.recognise([result_a], by=cast.principal_a)
    client.force_login(cast.local)
    assert client.post(url("results:result-reopen", result_a.pk), {"reason": ""}).status_code == 400
    client.post(url("results:result-reopen", result_a.pk), {"reason": "Nhập thiếu điểm"})
    result_a.refresh_from_db()
    assert not result_a.recognised
    assert [e.action for e in result_a.events.all()] == ["recognise", "reopen"]


# A unit's results -----------------------------------------------------------------------------------------


@pytest.fixture
def school_results(cast, result_a, principal_record):
    """School A's 2027 results: member_a's, the principal's, and those of twelve more teachers."""
    for index in range(12):
        make_staff(cast.tree.school_a, f"Hoàng Văn Tài {index:02d}", levels="tieu_hoc")
    services.recompute(2027, unit=cast.tree.school_a)
    return YearResult.objects.filter(year=2027, unit=cast.tree.school_a)


def test_the_unit_list_filters_searches_without_diacritics_and_keeps_its_queries_bounded(
    client, cast, school_results, django_assert_max_num_queries
):
    client.force_login(cast.principal_a)
    page_url = url("results:unit", cast.tree.school_a.pk)
    with django_assert_max_num_queries(16):
        response = client.get(page_url, {"year": 2027})
    page = response.content.decode()
    assert response.status_code == 200
    assert "14 kết quả khớp với bộ lọc." in page
    response = client.get(page_url, {"year": 2027, "q": "nguyen thi hoa"})
    assert "1 kết quả khớp với bộ lọc." in response.content.decode()
    assert "Nguyễn Thị Hoà" in response.content.decode()
    response = client.get(page_url, {"year": 2027, "recognised": "yes"})
    assert "0 kết quả khớp với bộ lọc." in response.content.decode()


def test_the_unit_list_explains_a_bad_filter(client, cast, school_results):
    client.force_login(cast.principal_a)
    response = client.get(url("results:unit", cast.tree.school_a.pk), {"year": 2027, "outcome": "xuat_sac"})
    assert response.status_code == 400
    assert "“xuat_sac” không phải là một lựa chọn của “Kết quả”" in response.content.decode()


def test_the_principal_recognises_every_listed_result_but_their_own(client, cast, school_results):
    client.force_login(cast.principal_a)
    response = client.post(
        url("results:unit-recognise", cast.tree.school_a.pk), {"year": 2027, "scope": "all"}, follow=True
    )
    page = response.content.decode()
    assert "Đã công nhận và khoá 13 kết quả." in page
    assert "1 kết quả không được công nhận" in page
    assert school_results.filter(recognised=True).count() == 13
    assert not school_results.get(staff__user=cast.principal_a).recognised


def test_batch_recognition_of_ticked_rows(client, cast, school_results, result_a):
    client.force_login(cast.principal_a)
    response = client.post(url("results:unit-recognise", cast.tree.school_a.pk), {"year": 2027}, follow=True)
    assert "Hãy đánh dấu các kết quả cần công nhận" in response.content.decode()
    client.post(url("results:unit-recognise", cast.tree.school_a.pk), {"year": 2027, "result": [result_a.pk]})
    assert list(school_results.filter(recognised=True)) == [result_a]


def test_recompute_of_a_small_unit_runs_at_once(client, cast, school_results):
    client.force_login(cast.principal_a)
    response = client.post(url("results:unit-recompute", cast.tree.school_a.pk), {"year": 2027}, follow=True)
    assert "Đã tính lại kết quả của 14 người" in response.content.decode()


def test_recompute_of_a_large_unit_runs_in_the_background_with_progress(client, cast, school_results, monkeypatch):
    monkeypatch.setattr(result_views, "RECOMPUTE_INLINE", 5)
    YearResult.objects.filter(year=2027).delete()
    client.force_login(cast.local)
    response = client.post(url("results:unit-recompute", cast.tree.commune.pk), {"year": 2027})
    assert response.status_code == 302 and "/results/jobs/" in response.url
    page = client.get(response.url).content.decode()
    assert "Đã tính lại kết quả của 14 người: 14 mới" in page
    assert YearResult.objects.filter(year=2027).count() == 14
    client.force_login(cast.principal_a)  # someone else's job does not exist for them
    assert client.get(response.url).status_code == 404


def test_the_navigation_entry_opens_the_highest_unit_managed(client, cast):
    client.force_login(cast.local)
    response = client.get(reverse("results:units"))
    assert response.url == url("results:unit", cast.tree.commune.pk)
    client.force_login(cast.teacher_a)
    assert client.get(reverse("results:units")).url == reverse("results:mine")
