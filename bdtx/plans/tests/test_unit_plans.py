"""Unit plans Sở → commune → school: the list, making a plan from the one above, reading, editing, submitting,
approving or returning, with the level above deciding and an outsider seeing nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from bdtx.plans import services
from bdtx.plans.models import PersonalPlan, PlanEvent, PlanStatus, PlanTopic, UnitPlan
from bdtx.rules.models import ProgrammeYear

from .unit_scene import YEAR, build_plans, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(cast, programmes):
    return build_plans(cast)


def page_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def edit_data(plan, topics=(), modules=(), **values) -> dict:
    """What the edit form posts: the texts, the topics (id, content, title, periods, levels) and modules."""
    data = {
        "title": plan.title,
        "objectives": "Cập nhật kiến thức cho giáo viên.",
        "organisation": "Tập trung và trực tuyến.",
        "outcomes": "100% giáo viên hoàn thành.",
        "targets": "Không có giáo viên không hoàn thành.",
        "personal_plan_deadline": "15/05/2026",
        "version": plan.version,
        "modules": [m.pk for m in modules],
        "topics-TOTAL_FORMS": len(topics),
        "topics-INITIAL_FORMS": plan.topics.count(),
        "topics-MIN_NUM_FORMS": 0,
        "topics-MAX_NUM_FORMS": 1000,
    }
    for index, topic in enumerate(topics):
        for name, value in topic.items():
            data[f"topics-{index}-{name}"] = value
    return {**data, **values}


# The list and making a plan ------------------------------------------------------------------------------


def test_the_sos_officer_makes_the_top_plan_from_the_list(client, cast, programmes):
    client.force_login(cast.officer)
    page = page_of(client.get(reverse("plans:unit-plans"), {"year": YEAR}))
    assert "Lập kế hoạch của Sở Giáo dục và Đào tạo Lai Châu cho năm học 2026-2027" in page
    response = client.post(reverse("plans:unit-plan-new"), {"unit": cast.tree.province.pk, "year": YEAR})
    plan = UnitPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("plans:unit-plan-edit", args=[plan.pk])
    assert (plan.unit, plan.year, plan.parent, plan.status) == (cast.tree.province, YEAR, None, PlanStatus.DRAFT)
    assert plan.personal_plan_deadline == dt.date(2026, 5, 31)
    assert plan.title == "Kế hoạch BDTX của Sở Giáo dục và Đào tạo Lai Châu, năm học 2026-2027"


def test_a_school_plan_is_derived_from_the_nearest_plan_above_with_its_modules(client, cast, plans):
    assert plans.school.parent == plans.commune and plans.commune.parent == plans.so
    assert set(plans.school.modules.values_list("code", flat=True)) == {"GVPT 01", "GVPT 04", "GVPT 05", "GVPT 06",
                                                                        "GVPT 07"}  # fmt: skip


def test_a_unit_whose_level_above_has_no_plan_is_told_that_plan_comes_first(client, cast, programmes):
    client.force_login(cast.principal_a)
    page = page_of(client.get(reverse("plans:unit-plans"), {"year": YEAR}))
    assert "cấp trên chưa có kế hoạch năm học này" in page
    response = client.post(reverse("plans:unit-plan-new"), {"unit": cast.tree.school_a.pk, "year": YEAR}, follow=True)
    assert "Cấp trên chưa có kế hoạch năm học này; cần có kế hoạch cấp trên trước." in page_of(response)
    assert not UnitPlan.objects.exists()


def test_nobody_makes_the_plan_of_a_unit_they_do_not_manage(client, cast, plans):
    client.force_login(cast.principal_b)
    response = client.post(reverse("plans:unit-plan-new"), {"unit": cast.tree.school_a.pk, "year": YEAR})
    assert response.status_code == 404
    client.force_login(cast.teacher_a)
    response = client.post(reverse("plans:unit-plan-new"), {"unit": cast.tree.school_b.pk, "year": YEAR})
    assert response.status_code == 404
    client.force_login(cast.local)  # above school B? no: school B hangs under the Sở
    response = client.post(reverse("plans:unit-plan-new"), {"unit": cast.tree.school_b.pk, "year": YEAR})
    assert response.status_code == 404
    client.force_login(cast.officer)  # the Sở sees school B but writes only its own plan
    response = client.post(reverse("plans:unit-plan-new"), {"unit": cast.tree.school_b.pk, "year": YEAR}, follow=True)
    assert "Chỉ cán bộ quản lý của Trường THPT Chuyên Lê Quý Đôn mới được lập kế hoạch" in page_of(response)
    assert not UnitPlan.objects.filter(unit=cast.tree.school_b).exists()


def test_the_list_shows_the_plans_above_and_below_but_not_a_neighbours(client, cast, plans):
    services.create_unit_plan(unit=cast.tree.school_b, year=YEAR, by=cast.principal_b)
    client.force_login(cast.principal_b)
    page = page_of(client.get(reverse("plans:unit-plans"), {"year": YEAR}))
    assert plans.so.title in page and "Kế hoạch BDTX của Trường THPT Chuyên Lê Quý Đôn" in page
    assert plans.school.title not in page and plans.commune.title not in page
    client.force_login(cast.officer)
    page = page_of(client.get(reverse("plans:unit-plans"), {"year": YEAR, "status": "draft"}))
    assert plans.school.title in page and "31/05/2026" in page


def test_the_list_makes_a_bounded_number_of_queries(client, cast, plans, django_assert_max_num_queries):
    from bdtx.testing import make_unit

    for number in range(12):
        school = make_unit(f"S{number}", f"Trường Tiểu học số {number}", parent=cast.tree.commune)
        services.create_unit_plan(unit=school, year=YEAR, by=cast.local)
    client.force_login(cast.officer)
    with django_assert_max_num_queries(9):
        page = page_of(client.get(reverse("plans:unit-plans"), {"year": YEAR}))
    assert page.count("/plans/unit-plans/") >= 15


# Reading a plan --------------------------------------------------------------------------------------------


def test_a_school_plan_shows_its_own_topics_and_those_inherited_from_above(client, cast, plans):
    PlanTopic.objects.create(plan=plans.school, content="02", title="Văn hoá dân tộc Thái ở trường", periods=5)
    client.force_login(cast.teacher_a)
    page = page_of(client.get(reverse("plans:unit-plan", args=[plans.school.pk])))
    assert "Chuyển đổi số trong dạy học" in page and "Văn hoá dân tộc Thái ở trường" in page
    assert page.count("Từ kế hoạch cấp trên") == 3 and "Kế hoạch này" in page
    assert "Nội dung 02: 45 tiết." in page and "GVPT 04" in page and "31/05/2026" in page
    assert "Sửa kế hoạch" not in page  # a teacher reads it
    assert "Kế hoạch cấp dưới đã duyệt" not in page  # and sees no figures of others


def test_the_plan_page_makes_a_bounded_number_of_queries(client, cast, plans, django_assert_max_num_queries):
    from bdtx.testing import make_unit

    client.force_login(cast.officer)
    with django_assert_max_num_queries(24):  # four of them: each programme's split for the year
        page_of(client.get(reverse("plans:unit-plan", args=[plans.so.pk])))
    for number in range(12):
        school = make_unit(f"S{number}", f"Trường Tiểu học số {number}", parent=cast.tree.commune)
        services.create_unit_plan(unit=school, year=YEAR, by=cast.local)
        PlanTopic.objects.create(plan=plans.so, content="02", title=f"Chuyên đề {number}", periods=1)
    with django_assert_max_num_queries(24):
        page_of(client.get(reverse("plans:unit-plan", args=[plans.so.pk])))
    client.force_login(cast.principal_a)
    with django_assert_max_num_queries(24):
        page_of(client.get(reverse("plans:unit-plan", args=[plans.school.pk])))


def test_the_sos_plan_warns_when_its_topics_do_not_make_the_years_periods(client, cast, plans):
    client.force_login(cast.officer)
    page = page_of(client.get(reverse("plans:unit-plan", args=[plans.so.pk])))
    assert "các chuyên đề mới có" not in page and "nhiều hơn" not in page  # 25 + 15 and 40 make 40 and 40
    PlanTopic.objects.filter(title="Chuyển đổi số trong dạy học").update(periods=5)
    page = page_of(client.get(reverse("plans:unit-plan", args=[plans.so.pk])))
    assert (
        "Nội dung 01 (Mầm non, Tiểu học, THCS, THPT): các chuyên đề mới có 30 tiết, trong khi chương trình yêu cầu "
        "40 tiết trong năm học này; hãy thêm chuyên đề hoặc số tiết." in page
    )
    # The Sở moves ten periods from 02 to 01 for the year: now 02 is over and 01 is short.
    for code in ("tt17-2019", "tt18-2019", "tt12-2019", "tt11-2019"):
        ProgrammeYear.objects.create(
            unit=cast.tree.province, year=YEAR, programme=programmes_of(code), periods={"01": 30, "02": 50}
        )
    page = page_of(client.get(reverse("plans:unit-plan", args=[plans.so.pk])))
    assert "Nội dung 01 (" not in page
    assert "Nội dung 02 (Mầm non, Tiểu học, THCS, THPT): các chuyên đề mới có 40 tiết" in page


def programmes_of(code):
    from bdtx.rules.models import Programme

    return Programme.objects.get(code=code)


def test_a_school_is_warned_only_about_its_own_levels(client, cast, plans):
    PlanTopic.objects.create(plan=plans.school, content="02", title="Thêm chuyên đề", periods=5)
    client.force_login(cast.principal_a)
    page = page_of(client.get(reverse("plans:unit-plan", args=[plans.school.pk])))
    assert "Nội dung 02 (Tiểu học): các chuyên đề cộng lại 45 tiết, nhiều hơn 40 tiết" in page
    assert "Mầm non" not in page.split("Nội dung 02 (")[1][:40]


# Editing --------------------------------------------------------------------------------------------------


def test_the_schools_principal_writes_its_plan_with_topics_and_a_subset_of_the_modules(client, cast, plans):
    plan = plans.school
    client.force_login(cast.principal_a)
    form = page_of(client.get(reverse("plans:unit-plan-edit", args=[plan.pk])))
    assert "Chuyển đổi số trong dạy học" in form  # inherited, shown for reference
    assert "GVPT 07" in form and "GVPT 09" not in form  # only the modules the plan above offers
    topics = [
        {"content": "02", "title": "Văn hoá dân tộc Thái ở trường", "periods": "5", "levels": ["tieu_hoc"]},
        {"content": "01", "title": "Dạy học tích hợp lớp 5", "periods": "3"},
    ]
    response = client.post(
        reverse("plans:unit-plan-edit", args=[plan.pk]), edit_data(plan, topics, [module(4), module(5)])
    )
    assert response.status_code == 302 and response.url == reverse("plans:unit-plan", args=[plan.pk])
    plan.refresh_from_db()
    assert plan.objectives == "Cập nhật kiến thức cho giáo viên." and plan.personal_plan_deadline == dt.date(
        2026, 5, 15
    )
    assert sorted(plan.modules.values_list("code", flat=True)) == ["GVPT 04", "GVPT 05"]
    saved = list(plan.topics.values_list("content", "title", "periods", "levels"))
    assert saved == [("01", "Dạy học tích hợp lớp 5", 3, ""), ("02", "Văn hoá dân tộc Thái ở trường", 5, "tieu_hoc")]
    assert plan.version == 2


def test_topics_are_reordered_changed_and_removed(client, cast, plans):
    plan = plans.so
    first, second, local = plan.topics.order_by("content", "position")
    client.force_login(cast.officer)
    topics = [
        {"id": first.pk, "content": "01", "title": first.title, "periods": "25", "ORDER": "2"},
        {"id": second.pk, "content": "01", "title": "Chuyển đổi số", "periods": "15", "ORDER": "1"},
        {"id": local.pk, "content": "02", "title": local.title, "periods": "40", "ORDER": "3", "DELETE": "on"},
    ]
    modules = [module(n) for n in (1, 4, 5, 6, 7, 9)]
    response = client.post(reverse("plans:unit-plan-edit", args=[plan.pk]), edit_data(plan, topics, modules))
    assert response.status_code == 302
    assert list(plan.topics.values_list("title", flat=True)) == ["Chuyển đổi số", first.title]
    assert plan.modules.count() == 6  # the Sở picks from the whole catalogue


def test_bad_input_in_the_edit_form_gets_a_message_on_the_field(client, cast, plans):
    plan = plans.school
    client.force_login(cast.principal_a)
    topics = [{"content": "01", "title": "Chuyên đề thiếu số tiết", "periods": ""}]
    page = page_of(
        client.post(
            reverse("plans:unit-plan-edit", args=[plan.pk]),
            edit_data(plan, topics, personal_plan_deadline="31/02/2026"),
        )
    )
    assert "Hãy nhập số tiết của chuyên đề, ví dụ 10." in page
    assert "“31/02/2026” không phải là ngày có thật (ngày 31, tháng 2)." in page
    assert not plan.topics.exists()


def test_a_deadline_outside_the_school_year_is_refused(client, cast, plans):
    plan = plans.school
    client.force_login(cast.principal_a)
    page = page_of(
        client.post(
            reverse("plans:unit-plan-edit", args=[plan.pk]), edit_data(plan, personal_plan_deadline="01/10/2030")
        )
    )
    assert "Hạn nộp kế hoạch cá nhân 01/10/2030 nằm ngoài năm học 2026-2027" in page


def test_a_module_outside_the_list_of_the_plan_above_is_refused(cast, plans):
    with pytest.raises(services.PlanError, match="GVPT 09"):
        services.save_unit_plan(plans.school, by=cast.principal_a, title="Kế hoạch", modules=[module(4), module(9)])


def test_a_save_based_on_an_old_read_is_refused(client, cast, plans):
    plan = plans.school
    client.force_login(cast.principal_a)
    client.post(reverse("plans:unit-plan-edit", args=[plan.pk]), edit_data(plan))
    page = page_of(client.post(reverse("plans:unit-plan-edit", args=[plan.pk]), edit_data(plan, targets="Cũ")))
    assert "Kế hoạch vừa được sửa ở nơi khác sau khi bạn mở." in page
    assert UnitPlan.objects.get(pk=plan.pk).targets == "Không có giáo viên không hoàn thành."


def test_the_level_above_cannot_edit_a_units_plan(client, cast, plans):
    client.force_login(cast.local)
    url = reverse("plans:unit-plan-edit", args=[plans.school.pk])
    page = page_of(client.get(url, follow=True))
    assert "Chỉ cán bộ quản lý của Trường Tiểu học Tân Phong mới được sửa hoặc nộp kế hoạch của đơn vị." in page
    client.post(url, edit_data(plans.school, targets="Sửa hộ"))
    assert UnitPlan.objects.get(pk=plans.school.pk).targets == ""


def test_a_topic_change_reaches_the_personal_plans_still_in_draft(cast, plans):
    personal = services.start_personal_plan(cast.member_a, YEAR)
    topic = plans.so.topics.get(title="Chuyển đổi số trong dạy học")
    values = [
        {"id": t.pk, "content": t.content, "title": t.title, "periods": 20 if t.pk == topic.pk else t.periods}
        for t in plans.so.topics.all()
    ]
    services.save_unit_plan(plans.so, by=cast.officer, title=plans.so.title, topics=values)
    assert personal.items.get(topic=topic).periods == 20


def test_a_topic_in_a_submitted_personal_plan_cannot_be_removed(cast, plans):
    personal = services.start_personal_plan(cast.member_a, YEAR)
    services.set_modules(personal, [module(4), module(5), module(6), module(7)], by=cast.teacher_a)
    services.submit_personal_plan(personal, by=cast.teacher_a)
    kept = [{"id": t.pk, "content": t.content, "title": t.title, "periods": t.periods} for t in plans.so.topics.all()]
    with pytest.raises(services.PlanError, match="Chuyển đổi số trong dạy học"):
        services.save_unit_plan(plans.so, by=cast.officer, title=plans.so.title, topics=kept[:1] + kept[2:])
    assert plans.so.topics.count() == 3 and PersonalPlan.objects.get().items.count() == 7


# Submitting and deciding -----------------------------------------------------------------------------------


def test_the_school_submits_and_the_commune_approves(client, cast, plans):
    plan = plans.school
    client.force_login(cast.principal_a)
    response = client.post(reverse("plans:unit-plan-submit", args=[plan.pk]), follow=True)
    assert "Đã nộp kế hoạch lên cấp trên." in page_of(response)
    assert "Sửa kế hoạch" not in page_of(client.get(reverse("plans:unit-plan", args=[plan.pk])))
    client.force_login(cast.local)
    page = page_of(client.get(reverse("plans:unit-plan", args=[plan.pk])))
    assert "Ghi nhận quyết định" in page
    response = client.post(reverse("plans:unit-plan-decide", args=[plan.pk]), {"decision": "approve"}, follow=True)
    assert "Đã phê duyệt kế hoạch của Trường Tiểu học Tân Phong." in page_of(response)
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by) == (PlanStatus.APPROVED, cast.local)
    assert list(PlanEvent.objects.filter(unit_plan=plan).values_list("action", flat=True)) == ["approved", "submitted"]


def test_returning_a_plan_needs_a_comment_and_editing_it_puts_it_back_to_draft(client, cast, plans):
    plan = plans.school
    services.submit_unit_plan(plan, by=cast.principal_a)
    client.force_login(cast.local)
    url = reverse("plans:unit-plan-decide", args=[plan.pk])
    page = page_of(client.post(url, {"decision": "return", "comment": "  "}))
    assert "Ghi cần sửa gì khi trả lại kế hoạch (ô “Nhận xét”)." in page
    assert UnitPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    client.post(url, {"decision": "return", "comment": "Bổ sung chỉ tiêu."})
    plan.refresh_from_db()
    assert (plan.status, plan.return_comment) == (PlanStatus.RETURNED, "Bổ sung chỉ tiêu.")
    client.force_login(cast.principal_a)
    assert "Bổ sung chỉ tiêu." in page_of(client.get(reverse("plans:unit-plan-edit", args=[plan.pk])))
    client.post(reverse("plans:unit-plan-edit", args=[plan.pk]), edit_data(plan))
    assert UnitPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


def test_a_unit_cannot_decide_on_its_own_plan(client, cast, plans):
    services.submit_unit_plan(plans.school, by=cast.principal_a)
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("plans:unit-plan-decide", args=[plans.school.pk]), {"decision": "approve"}, follow=True
    )
    assert (
        "Kế hoạch của Trường Tiểu học Tân Phong do cấp trên phê duyệt hoặc trả lại, không phải chính đơn vị."
        in page_of(response)
    )
    assert UnitPlan.objects.get(pk=plans.school.pk).status == PlanStatus.SUBMITTED


def test_the_sos_own_managers_issue_the_top_plan(client, cast, plans):
    services.submit_unit_plan(plans.so, by=cast.officer)
    client.force_login(cast.officer)
    client.post(reverse("plans:unit-plan-decide", args=[plans.so.pk]), {"decision": "approve"})
    assert UnitPlan.objects.get(pk=plans.so.pk).status == PlanStatus.APPROVED


def test_a_plan_not_submitted_cannot_be_decided(client, cast, plans):
    client.force_login(cast.local)
    response = client.get(reverse("plans:unit-plan-decide", args=[plans.school.pk]), follow=True)
    assert "Chỉ phê duyệt hoặc trả lại được kế hoạch đã nộp." in page_of(response)


# Scope ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["unit-plan", "unit-plan-edit", "unit-plan-decide", "unit-plan-pdf"])
def test_an_outsider_gets_404_for_the_plans_of_the_commune_and_school_a(client, cast, plans, name):
    client.force_login(cast.principal_b)
    for plan in (plans.commune, plans.school):
        assert client.get(reverse(f"plans:{name}", args=[plan.pk])).status_code == 404
        assert client.post(reverse(f"plans:{name}", args=[plan.pk])).status_code in (404, 405)
    assert client.post(reverse("plans:unit-plan-submit", args=[plans.school.pk])).status_code == 404
    assert client.get(reverse(f"plans:{name}", args=[plans.so.pk])).status_code in (200, 302)  # the plan above
