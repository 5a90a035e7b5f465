from decimal import Decimal
from types import SimpleNamespace

import pytest
import yaml
from django.utils import timezone

from bdtx.catalog.models import TrainingModule
from bdtx.plans import services
from bdtx.plans.models import BudgetLine, CostRate, PersonalPlan, PlanEvent, PlanTopic
from bdtx.rules.models import ProgrammeYear
from bdtx.testing import make_staff, school_year_of

PROGRAMMES = "/api/v1/programmes/"
MODULES = "/api/v1/modules/"
UNIT_PLANS = "/api/v1/unit-plans/"
PLANS = "/api/v1/personal-plans/"
BUDGETS = "/api/v1/budgets/"
YEAR = school_year_of(timezone.localdate())
FOUR = ["GVPT 04", "GVPT 05", "GVPT 06", "GVPT 14"]


def url(plan, action: str = "") -> str:
    return f"{PLANS}{plan.pk}/{action + '/' if action else ''}"


@pytest.fixture
def plans(cast, programmes):
    """The year's plans: the Sở's (01 and 02 topics, every GVPT module of 10 periods), the commune's and school
    A's derived from it, school B's; member_a's personal plan started (its topics copied, no module yet)."""
    TrainingModule.objects.filter(programme__code="tt17-2019").update(periods=10)
    tree = cast.tree
    so = services.create_unit_plan(unit=tree.province, year=YEAR, by=cast.officer)
    PlanTopic.objects.create(plan=so, content="01", title="Chương trình GDPT 2018: nhiệm vụ năm học", periods=40)
    PlanTopic.objects.create(plan=so, content="02", title="Giáo dục địa phương tỉnh Lai Châu", periods=40)
    so.modules.set(TrainingModule.objects.filter(programme__code="tt17-2019"))
    commune = services.create_unit_plan(unit=tree.commune, year=YEAR, by=cast.local)
    school_a = services.create_unit_plan(unit=tree.school_a, year=YEAR, by=cast.principal_a)
    school_b = services.create_unit_plan(unit=tree.school_b, year=YEAR, by=cast.principal_b)
    own = services.start_personal_plan(cast.member_a, YEAR)
    return SimpleNamespace(so=so, commune=commune, school_a=school_a, school_b=school_b, own=own)


def choose(plan, codes=FOUR):
    services.set_modules(plan, TrainingModule.objects.filter(code__in=codes), by=None)
    return plan


def submitted(plan, codes=FOUR):
    return services.submit_personal_plan(choose(plan, codes), by=None)


# Programmes ----------------------------------------------------------------------------------------------


def test_any_signed_in_person_reads_the_programmes(api, cast, programmes):
    body = api(cast.teacher_a).get(PROGRAMMES).json()
    assert [row["code"] for row in body["results"]] == ["tt11-2019", "tt12-2019", "tt17-2019", "tt18-2019"]
    tt17 = body["results"][2]
    assert tt17["total_periods"] == 120
    assert tt17["applies_to"]["groups"] == ["teacher"]
    assert tt17["unconfirmed"]


def test_a_programme_shows_its_contents_and_the_provinces_split_of_the_year(api, cast, programmes):
    ProgrammeYear.objects.create(
        unit=cast.tree.province,
        year=YEAR,
        programme=programmes["tt17-2019"],
        periods={"01": 30, "02": 50},
        note="Quyết định 12/QĐ-SGDĐT",
    )
    body = api(cast.teacher_a).get(f"{PROGRAMMES}tt17-2019/").json()
    assert [(c["code"], c["periods"], c["adjustable"], c["by_modules"]) for c in body["contents"]] == [
        ("01", 40, True, False),
        ("02", 40, True, False),
        ("03", 40, False, True),
    ]
    assert body["year"] == {
        "year": YEAR,
        "school_year": f"{YEAR}-{YEAR + 1}",
        "periods": {"01": 30, "02": 50, "03": 40},
        "total": 120,
        "set_by_unit": "SO",
        "note": "Quyết định 12/QĐ-SGDĐT",
    }
    later = api(cast.teacher_a).get(f"{PROGRAMMES}tt17-2019/", {"year": YEAR + 1}).json()["year"]
    assert later["periods"] == {"01": 40, "02": 40, "03": 40} and later["set_by_unit"] is None


def test_an_unknown_programme_is_404_and_a_bad_year_is_explained(api, cast, programmes):
    client = api(cast.teacher_a)
    assert client.get(f"{PROGRAMMES}tt99-2030/").status_code == 404
    response = client.get(f"{PROGRAMMES}tt17-2019/", {"year": "năm nay"})
    assert response.status_code == 400
    assert response.json() == {"year": ["“năm nay” không phải là số nguyên."]}
    assert api().get(PROGRAMMES).status_code == 401


# Modules -------------------------------------------------------------------------------------------------


@pytest.fixture
def local_module(cast, programmes):
    """A module the commune added: school A's people see it, school B's do not."""
    return TrainingModule.objects.create(
        code="PA 01",
        title="Giáo dục kỹ năng sống cho học sinh vùng cao",
        programme=programmes["tt17-2019"],
        periods=10,
        owner=cast.tree.commune,
        target={"levels": ["tieu_hoc"]},
    )


def test_the_catalogue_lists_the_national_modules_with_their_criteria_in_few_queries(
    api, cast, local_module, django_assert_max_num_queries
):
    client = api(cast.principal_a)
    # token, roles, own record, the count, the page, the criteria
    with django_assert_max_num_queries(7):
        body = client.get(MODULES, {"page_size": 100}).json()
    assert body["count"] == 16
    first = body["results"][0]
    assert first["code"] == "GVPT 01" and first["programme"] == "tt17-2019" and first["content"] == "03"
    assert first["criteria"] == [{"standard": "tt20-2018", "number": 1, "title": "Đạo đức nhà giáo"}]
    assert first["periods"] is None and first["owner"] is None and first["criteria_inferred"] is True
    assert body["results"][-1]["owner"] == "PA"


def test_modules_are_filtered_by_words_without_diacritics_level_programme_content_and_state(api, cast, local_module):
    client = api(cast.teacher_a)
    assert [m["code"] for m in client.get(MODULES, {"q": "ky nang song"}).json()["results"]] == ["PA 01"]
    assert client.get(MODULES, {"q": "gvpt 1"}).json()["count"] == 7  # GVPT 1, 10–15
    assert client.get(MODULES, {"level": "THCS"}).json()["count"] == 15  # not the commune's primary module
    assert client.get(MODULES, {"level": "mam_non"}).json()["count"] == 0
    assert client.get(MODULES, {"programme": "tt12-2019"}).json()["count"] == 0
    assert client.get(MODULES, {"content": "03"}).json()["count"] == 16
    TrainingModule.objects.filter(code="GVPT 13").update(active=False)
    assert [m["code"] for m in client.get(MODULES, {"active": "không"}).json()["results"]] == ["GVPT 13"]
    assert client.get(MODULES, {"active": "true"}).json()["count"] == 15


def test_bad_module_filters_are_explained(api, cast, programmes):
    client = api(cast.teacher_a)
    response = client.get(MODULES, {"programme": "tt99"})
    assert response.status_code == 400
    assert response.json()["programme"][0].startswith("Không có chương trình “tt99”.")
    assert client.get(MODULES, {"content": "07"}).json() == {"content": ["“07” không thuộc các giá trị: 01, 02, 03."]}
    assert client.get(MODULES, {"active": "có lẽ"}).status_code == 400
    assert client.get(MODULES, {"level": "đại học"}).status_code == 400


def test_a_module_shows_its_objectives_and_materials(api, cast, local_module):
    local_module.objectives = "Học sinh biết tự bảo vệ bản thân."
    local_module.save()
    local_module.materials.create(title="Tài liệu hướng dẫn", url="https://so.laichau.edu.vn/kns.pdf")
    body = api(cast.teacher_a).get(f"{MODULES}{local_module.pk}/").json()
    assert body["objectives"] == "Học sinh biết tự bảo vệ bản thân."
    assert body["materials"][0]["title"] == "Tài liệu hướng dẫn"
    assert body["materials"][0]["url"] == "https://so.laichau.edu.vn/kns.pdf"
    assert body["materials"][0]["download"] is None


def test_the_outsider_neither_lists_nor_reads_a_module_the_commune_added(api, client, cast, local_module):
    assert "PA 01" not in [m["code"] for m in api(cast.principal_b).get(MODULES, {"page_size": 100}).json()["results"]]
    assert api(cast.principal_b).get(f"{MODULES}{local_module.pk}/").status_code == 404
    client.force_login(cast.principal_b)
    assert client.get(f"{MODULES}{local_module.pk}/").status_code == 404


# Unit plans ----------------------------------------------------------------------------------------------


def test_a_school_sees_the_plans_above_and_its_own_but_not_a_neighbours(api, cast, plans):
    ids = {row["id"] for row in api(cast.principal_a).get(UNIT_PLANS).json()["results"]}
    assert ids == {plans.so.pk, plans.commune.pk, plans.school_a.pk}
    ids = {row["id"] for row in api(cast.officer).get(UNIT_PLANS).json()["results"]}
    assert ids == {plans.so.pk, plans.commune.pk, plans.school_a.pk, plans.school_b.pk}
    row = next(r for r in api(cast.local).get(UNIT_PLANS, {"unit": "TA"}).json()["results"])
    assert row["unit_code"] == "TA" and row["parent"] == plans.commune.pk
    assert row["status"] == "draft" and row["status_label"] == "Bản nháp"
    assert row["school_year"] == f"{YEAR}-{YEAR + 1}"


def test_unit_plans_are_filtered_by_year_unit_and_status(api, cast, plans, django_assert_max_num_queries):
    services.submit_unit_plan(plans.school_a, by=cast.principal_a)
    client = api(cast.officer)
    with django_assert_max_num_queries(7):
        body = client.get(UNIT_PLANS, {"year": YEAR, "unit": "PA", "status": "submitted"}).json()
    assert [row["id"] for row in body["results"]] == [plans.school_a.pk]
    assert client.get(UNIT_PLANS, {"year": YEAR + 1}).json()["count"] == 0
    response = client.get(UNIT_PLANS, {"status": "done"})
    assert response.status_code == 400
    assert response.json() == {"status": ["“done” không thuộc các giá trị: draft, submitted, approved, returned."]}


def test_a_unit_plan_shows_its_topics_and_modules(api, cast, plans):
    body = api(cast.teacher_a).get(f"{UNIT_PLANS}{plans.so.pk}/").json()
    assert [(t["content"], t["periods"], t["levels"]) for t in body["topics"]] == [("01", 40, []), ("02", 40, [])]
    assert len(body["modules"]) == 15 and body["modules"][0]["code"] == "GVPT 01"
    assert body["modules"][0]["periods"] == 10
    school = api(cast.teacher_a).get(f"{UNIT_PLANS}{plans.school_a.pk}/").json()
    assert school["topics"] == [] and len(school["modules"]) == 15  # derived: the modules, topics stay above


def test_the_outsider_gets_404_on_school_as_plan(api, client, cast, plans):
    assert api(cast.principal_b).get(f"{UNIT_PLANS}{plans.school_a.pk}/").status_code == 404
    client.force_login(cast.principal_b)
    assert client.get(f"{UNIT_PLANS}{plans.school_a.pk}/").status_code == 404
    assert client.get(f"{UNIT_PLANS}{plans.so.pk}/").status_code == 200


# Personal plans: reading ---------------------------------------------------------------------------------


def colleagues(cast, count: int) -> list[PersonalPlan]:
    people = [make_staff(cast.tree.school_a, f"Giáo viên {n:02d}", code=f"GV-A-2{n:02d}") for n in range(count)]
    return [services.start_personal_plan(member, YEAR) for member in people]


def test_the_principal_lists_the_schools_plans_in_few_queries(api, cast, plans, django_assert_max_num_queries):
    colleagues(cast, 6)
    choose(plans.own)
    client = api(cast.principal_a)
    with django_assert_max_num_queries(7):
        body = client.get(PLANS, {"year": YEAR, "unit": "TA"}).json()
    assert body["count"] == 7
    row = next(row for row in body["results"] if row["id"] == plans.own.pk)
    assert row["staff"] == {"id": cast.member_a.pk, "code": "GV-A-001", "full_name": "Nguyễn Thị Hoà"}
    assert row["programme"] == "tt17-2019" and row["unit_code"] == "TA" and row["unit_plan"] == plans.school_a.pk
    assert row["planned_periods"] == 120
    assert row["status"] == "draft"
    assert client.get(PLANS, {"status": "approved"}).json()["count"] == 0


def test_a_teacher_sees_their_own_plan_only_and_the_outsider_none(api, client, cast, plans):
    colleagues(cast, 2)
    assert [row["id"] for row in api(cast.teacher_a).get(PLANS).json()["results"]] == [plans.own.pk]
    assert api(cast.principal_b).get(PLANS).json()["count"] == 0
    assert api(cast.principal_b).get(url(plans.own)).status_code == 404
    client.force_login(cast.principal_b)
    assert client.get(url(plans.own)).status_code == 404


def test_a_plan_shows_its_items_balance_and_what_is_missing(api, cast, plans):
    body = api(cast.teacher_a).get(url(plans.own)).json()
    assert [(i["content"], i["topic"], i["periods"]) for i in body["items"]] == [
        ("01", "Chương trình GDPT 2018: nhiệm vụ năm học", 40),
        ("02", "Giáo dục địa phương tỉnh Lai Châu", 40),
    ]
    assert body["balance"] == {
        "required": {"01": 40, "02": 40, "03": 40, "total": 120},
        "planned": {"01": 40, "02": 40, "03": 0, "total": 80},
    }
    assert body["problems"] == [
        "Nội dung 03 mới có 0/40 tiết: cần thêm 40 tiết.",
        "Kế hoạch mới có 80/120 tiết của năm học.",
    ]
    assert body["can_edit"] is True and body["can_decide"] is False
    assert body["deadline"] == plans.school_a.personal_plan_deadline.isoformat()


# Personal plans: choosing modules ------------------------------------------------------------------------


def test_the_teacher_chooses_modules_by_code_and_the_balance_follows(api, cast, plans):
    response = api(cast.teacher_a).patch(url(plans.own, "modules"), {"modules": ["gvpt04", "GVPT 05"], "version": 1})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [(i["module"], i["periods"]) for i in body["items"] if i["content"] == "03"] == [
        ("GVPT 04", 10),
        ("GVPT 05", 10),
    ]
    assert body["balance"]["planned"]["03"] == 20 and body["version"] == 2
    response = api(cast.teacher_a).patch(url(plans.own, "modules"), {"modules": FOUR, "version": 2})
    assert response.json()["problems"] == [] and response.json()["planned_periods"] == 120


def test_a_stale_module_choice_gets_409_and_changes_nothing(api, cast, plans):
    client = api(cast.teacher_a)
    client.patch(url(plans.own, "modules"), {"modules": ["GVPT 04"], "version": 1})
    response = client.patch(url(plans.own, "modules"), {"modules": FOUR, "version": 1})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Kế hoạch vừa được sửa ở nơi khác sau khi bạn mở. Hãy tải lại trang rồi làm lại.",
        "code": "stale",
    }
    assert list(plans.own.items.filter(module__isnull=False).values_list("module__code", flat=True)) == ["GVPT 04"]


def test_bad_module_choices_are_explained(api, cast, plans):
    client = api(cast.teacher_a)
    response = client.patch(url(plans.own, "modules"), {"modules": ["GVPT 04"]})
    assert response.status_code == 400
    assert response.json() == {"version": ["Trường này là bắt buộc."]}
    response = client.patch(url(plans.own, "modules"), {"modules": ["GVPT 04", "GVPT 99"], "version": 1})
    assert response.json() == {
        "modules": ["Danh mục không có mô đun “GVPT 99”. Kiểm tra mã mô đun tại /api/v1/modules/."]
    }
    response = client.patch(url(plans.own, "modules"), {"modules": ["GVPT 04", "gvpt 04"], "version": 1})
    assert response.json() == {"modules": ["Mô đun GVPT 04 có hai lần trong kế hoạch; chỉ giữ một lần."]}


def test_a_module_not_offered_this_year_is_refused(api, cast, plans, local_module):
    response = api(cast.teacher_a).patch(url(plans.own, "modules"), {"modules": ["PA 01"], "version": 1})
    assert response.status_code == 400
    assert response.json() == {"detail": "Mô đun PA 01 không có trong kế hoạch năm nay của bạn."}


def test_only_the_person_chooses_their_modules(api, cast, plans):
    response = api(cast.principal_a).patch(url(plans.own, "modules"), {"modules": FOUR, "version": 1})
    assert response.status_code == 403
    assert response.json()["detail"] == "Chỉ người có kế hoạch mới chọn được mô đun và nộp kế hoạch của mình."
    assert api(cast.principal_a).post(url(plans.own, "submit"), {}).status_code == 403
    assert api(cast.principal_b).patch(url(plans.own, "modules"), {"modules": FOUR, "version": 1}).status_code == 404
    assert api(cast.principal_b).post(url(plans.own, "submit"), {}).status_code == 404


# Personal plans: submitting ------------------------------------------------------------------------------


def test_a_plan_short_of_periods_is_refused_saying_what_is_missing(api, cast, plans):
    choose(plans.own, ["GVPT 04", "GVPT 05"])
    response = api(cast.teacher_a).post(url(plans.own, "submit"), {})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nội dung 03 mới có 20/40 tiết: cần thêm 20 tiết. Kế hoạch mới có 100/120 tiết của năm học.",
        "problems": [
            "Nội dung 03 mới có 20/40 tiết: cần thêm 20 tiết.",
            "Kế hoạch mới có 100/120 tiết của năm học.",
        ],
    }
    assert PersonalPlan.objects.get(pk=plans.own.pk).status == "draft"


def test_a_complete_plan_is_submitted_then_locked(api, cast, plans):
    choose(plans.own)
    client = api(cast.teacher_a)
    response = client.post(url(plans.own, "submit"), {"version": 2})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted" and response.json()["can_edit"] is False
    assert PlanEvent.objects.filter(personal_plan=plans.own, action="submitted").count() == 1
    again = client.post(url(plans.own, "submit"), {})
    assert again.status_code == 409
    assert again.json() == {
        "detail": "Kế hoạch đã nộp; chỉ sửa lại được khi nhà trường trả lại.",
        "code": "locked",
    }
    assert client.patch(url(plans.own, "modules"), {"modules": FOUR, "version": 3}).json()["code"] == "locked"


def test_a_stale_submit_gets_409(api, cast, plans):
    choose(plans.own)
    response = api(cast.teacher_a).post(url(plans.own, "submit"), {"version": 1})
    assert response.status_code == 409 and response.json()["code"] == "stale"
    assert api(cast.teacher_a).post(url(plans.own, "submit"), {"version": "hai"}).status_code == 400


# Personal plans: deciding --------------------------------------------------------------------------------


def test_the_principal_approves_a_submitted_plan(api, cast, plans):
    submitted(plans.own)
    body = api(cast.principal_a).get(url(plans.own)).json()
    assert body["can_decide"] is True and body["can_edit"] is False
    response = api(cast.principal_a).post(url(plans.own, "decision"), {"approve": True, "version": body["version"]})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved" and response.json()["status_label"] == "Đã phê duyệt"
    event = PlanEvent.objects.get(personal_plan=plans.own, action="approved")
    assert event.by == cast.principal_a


def test_returning_a_plan_needs_a_comment_which_the_teacher_then_reads(api, cast, plans):
    submitted(plans.own)
    client = api(cast.principal_a)
    response = client.post(url(plans.own, "decision"), {"approve": False, "comment": "  "})
    assert response.status_code == 400
    assert response.json() == {"comment": ["Ghi cần sửa gì khi trả lại kế hoạch (ô “Nhận xét”)."]}
    response = client.post(url(plans.own, "decision"), {"approve": False, "comment": "Chọn thêm GVPT 14."})
    assert response.json()["status"] == "returned"
    mine = api(cast.teacher_a).get(url(plans.own)).json()
    assert mine["return_comment"] == "Chọn thêm GVPT 14." and mine["can_edit"] is True


def test_bad_decisions_are_explained(api, cast, plans):
    client = api(cast.principal_a)
    response = client.post(url(plans.own, "decision"), {"approve": True})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Kế hoạch này không ở trạng thái chờ phê duyệt (hiện là “Bản nháp”).",
        "code": "locked",
    }
    assert "approve" in client.post(url(plans.own, "decision"), {"approve": "có lẽ"}).json()
    submitted(plans.own)
    response = client.post(url(plans.own, "decision"), {"approve": True, "version": 1})
    assert response.status_code == 409 and response.json()["code"] == "stale"
    assert PersonalPlan.objects.get(pk=plans.own.pk).status == "submitted"


def test_the_teacher_cannot_approve_their_own_plan_and_the_outsider_gets_404(api, client, cast, plans):
    submitted(plans.own)
    response = api(cast.teacher_a).post(url(plans.own, "decision"), {"approve": True})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Bạn xem được kế hoạch này nhưng không phê duyệt được")
    assert api(cast.principal_b).post(url(plans.own, "decision"), {"approve": True}).status_code == 404
    client.force_login(cast.principal_b)
    response = client.post(url(plans.own, "decision"), {"approve": True}, content_type="application/json")
    assert response.status_code == 404
    assert PersonalPlan.objects.get(pk=plans.own.pk).status == "submitted"


def test_a_principals_plan_is_decided_by_the_level_above(api, cast, plans):
    head = make_staff(cast.tree.school_a, "Lê Văn Nam", group="manager", position="Hiệu trưởng", gender="nam")
    head.user = cast.principal_a
    head.save(update_fields=["user"])
    plan = services.start_personal_plan(head, YEAR)
    assert plan.programme.code == "tt18-2019"
    PersonalPlan.objects.filter(pk=plan.pk).update(status="submitted")  # managers' modules are not catalogued yet
    assert api(cast.principal_a).post(url(plan, "decision"), {"approve": True}).status_code == 403
    response = api(cast.local).post(url(plan, "decision"), {"approve": True})
    assert response.status_code == 200 and response.json()["status"] == "approved"


# Budgets -------------------------------------------------------------------------------------------------


@pytest.fixture
def budget(cast, plans):
    rate = CostRate.objects.create(
        unit=cast.tree.province,
        category="lecturers",
        label="Báo cáo viên cấp tỉnh",
        per="người/buổi",
        max_rate=1_000_000,
        source="Nghị quyết mẫu (dữ liệu demo)",
    )
    lines = [
        ("lecturers", "Báo cáo viên chuyên đề 02", Decimal("4"), "buổi", 800_000, rate),
        ("materials", "Tài liệu chuyên đề", Decimal("30"), "bộ", 45_000, None),
        ("lecturers", "Báo cáo viên cốt cán", Decimal("2.5"), "buổi", 500_000, None),
    ]
    for category, description, quantity, unit_label, amount, card in lines:
        BudgetLine.objects.create(
            plan=plans.school_a,
            category=category,
            description=description,
            quantity=quantity,
            unit_label=unit_label,
            rate=amount,
            rate_card=card,
        )
    return plans.school_a


def test_a_budget_lists_its_lines_and_totals_by_category(api, cast, budget, django_assert_max_num_queries):
    client = api(cast.principal_a)
    with django_assert_max_num_queries(6):
        body = client.get(BUDGETS, {"plan": budget.pk}).json()
    assert body["plan"] == budget.pk and body["unit_code"] == "TA"
    assert [(line["category"], line["amount"]) for line in body["lines"]] == [
        ("lecturers", 3_200_000),
        ("lecturers", 1_250_000),
        ("materials", 1_350_000),
    ]
    assert body["lines"][0]["rate_card"] == "Báo cáo viên cấp tỉnh" and body["lines"][0]["max_rate"] == 1_000_000
    assert body["lines"][1]["quantity"] == 2.5
    assert body["by_category"] == [
        {"category": "lecturers", "label": "Giảng viên, báo cáo viên", "lines": 2, "amount": 4_450_000},
        {"category": "materials", "label": "Tài liệu học tập", "lines": 1, "amount": 1_350_000},
    ]
    assert body["total"] == 5_800_000


def test_a_budget_needs_a_plan_of_yours(api, client, cast, budget):
    response = api(cast.principal_a).get(BUDGETS)
    assert response.status_code == 400
    assert response.json() == {
        "plan": ["Hãy cho biết kế hoạch nào: ?plan= là mã số (id) của kế hoạch đơn vị, xem tại /api/v1/unit-plans/."]
    }
    assert api(cast.principal_a).get(BUDGETS, {"plan": "abc"}).status_code == 400
    assert api(cast.principal_b).get(BUDGETS, {"plan": budget.pk}).status_code == 404
    client.force_login(cast.principal_b)
    assert client.get(BUDGETS, {"plan": budget.pk}).status_code == 404


# Schema --------------------------------------------------------------------------------------------------


def test_the_schema_describes_the_plan_endpoints(client, db):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert {
        "/api/v1/programmes/",
        "/api/v1/programmes/{code}/",
        "/api/v1/modules/",
        "/api/v1/modules/{id}/",
        "/api/v1/unit-plans/",
        "/api/v1/unit-plans/{id}/",
        "/api/v1/personal-plans/",
        "/api/v1/personal-plans/{id}/",
        "/api/v1/personal-plans/{id}/modules/",
        "/api/v1/personal-plans/{id}/submit/",
        "/api/v1/personal-plans/{id}/decision/",
        "/api/v1/budgets/",
    } <= set(schema["paths"])
    assert "409" in schema["paths"]["/api/v1/personal-plans/{id}/modules/"]["patch"]["responses"]


def test_a_teacher_who_can_see_the_sos_plan_cannot_read_its_budget(client, cast, programmes):
    from bdtx.plans import services as plan_services

    plan = plan_services.create_unit_plan(unit=cast.tree.province, year=2027, by=cast.officer)
    client.force_login(cast.teacher_a)
    assert client.get("/api/v1/unit-plans/").status_code == 200
    assert client.get(f"/api/v1/budgets/?plan={plan.pk}").status_code == 404
    client.force_login(cast.officer)
    assert client.get(f"/api/v1/budgets/?plan={plan.pk}").status_code == 200
