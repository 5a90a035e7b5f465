"""The appraisal cycle's rules, through the services: who is rated by which standard, no change after
submitting, deadlines, evidence limits, colleagues' opinions, flags before confirming, locking, reopening
and the training needs that follow."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bdtx.accounts.models import Role
from bdtx.appraisals import permissions, services
from bdtx.appraisals.models import Appraisal, AppraisalEvent, TrainingNeed
from bdtx.organisations.models import UnitKind
from bdtx.testing import make_cycle, make_staff, make_unit, make_user

pytestmark = pytest.mark.django_db


def levels(default="kha", **overrides):
    """15 criteria (TT 20) at `default`, with c<n>=level overrides."""
    found = dict.fromkeys(range(1, 16), default)
    found.update({int(key[1:]): value for key, value in overrides.items()})
    return found


@pytest.fixture
def cycle(cast, standards):
    return make_cycle(cast.tree.commune, by=cast.local)


@pytest.fixture
def appraisal(cycle, cast):
    return services.start_appraisal(cycle, cast.member_a)


def submitted(appraisal, by, **level_values):
    services.save_self_assessment(appraisal, by=by, levels=levels(**level_values))
    return services.submit_self_assessment(appraisal, by=by)


def test_a_primary_teacher_is_rated_by_tt20_and_a_preschool_teacher_by_tt26(cast, cycle):
    preschool = make_unit("MN1", "Trường Mầm non Hoa Ban", parent=cast.tree.commune, levels="mam_non")
    kindergarten_teacher = make_staff(preschool, "Lò Thị Xuân", code="GV-MN-1")
    assert services.start_appraisal(cycle, cast.member_a).standard.code == "tt20-2018"
    assert services.start_appraisal(cycle, kindergarten_teacher).standard.code == "tt26-2018"


def test_principals_are_rated_by_the_principal_standard_of_their_school(cast, cycle):
    head = make_staff(cast.tree.school_a, "Vũ Văn Minh", code="HT-A", group="manager", position="Hiệu trưởng")
    deputy = make_staff(cast.tree.school_a, "Hà Thị Lan", code="PHT-A", group="manager", position="Phó Hiệu trưởng")
    assert services.start_appraisal(cycle, head).standard.code == "tt14-2018"
    assert services.start_appraisal(cycle, deputy).standard.code == "tt14-2018"


def test_an_employee_has_no_standard_and_is_told_so(cast, cycle):
    clerk = make_staff(cast.tree.school_a, "Đinh Văn Kế", code="NV-A", group="employee", position="Kế toán")
    with pytest.raises(services.AppraisalError, match="Đinh Văn Kế"):
        services.start_appraisal(cycle, clerk)


def test_the_school_can_rate_a_person_by_another_standard_with_a_reason(cast, cycle, appraisal, standards):
    services.save_self_assessment(appraisal, by=cast.teacher_a, levels={1: "tot"})
    with pytest.raises(services.AppraisalError):
        services.change_standard(appraisal, standards["tt26-2018"], by=cast.principal_a, reason="  ")
    services.change_standard(appraisal, standards["tt26-2018"], by=cast.principal_a, reason="Dạy lớp mẫu giáo ghép")
    appraisal.refresh_from_db()
    assert appraisal.standard.code == "tt26-2018"
    assert appraisal.self_levels == {}
    assert services.standard_for_person(cast.member_a).code == "tt26-2018"


def test_submitting_needs_every_criterion_and_computes_the_self_rating(cast, appraisal):
    services.save_self_assessment(appraisal, by=cast.teacher_a, levels=dict.fromkeys(range(1, 15), "tot"))
    with pytest.raises(services.AppraisalError, match="15"):
        services.submit_self_assessment(appraisal, by=cast.teacher_a)
    assert submitted(appraisal, cast.teacher_a, default="tot", c1="kha").self_rating == "tot"
    assert appraisal.events.filter(action=AppraisalEvent.Action.SUBMITTED).count() == 1


def test_a_submitted_self_assessment_cannot_be_changed_nor_its_evidence(cast, appraisal):
    submitted(appraisal, cast.teacher_a)
    with pytest.raises(services.Locked):
        services.save_self_assessment(appraisal, by=cast.teacher_a, levels=levels("tot"))
    with pytest.raises(services.Locked):
        services.add_evidence(appraisal, by=cast.teacher_a, title="Giáo án", description="x")
    with pytest.raises(services.Locked):
        services.submit_self_assessment(appraisal, by=cast.teacher_a)


def test_submitting_after_the_deadline_is_refused_with_the_date(cast, appraisal):
    services.save_self_assessment(appraisal, by=cast.teacher_a, levels=levels())
    late = appraisal.cycle.self_assessment_until + dt.timedelta(days=1)
    deadline = appraisal.cycle.self_assessment_until.strftime("%d/%m/%Y")
    with pytest.raises(services.AppraisalError, match=deadline):
        services.submit_self_assessment(appraisal, by=cast.teacher_a, today=late)
    assert Appraisal.objects.get(pk=appraisal.pk).self_status == "draft"


def test_a_draft_saved_from_a_stale_page_is_refused(cast, appraisal):
    version = appraisal.version
    services.save_self_assessment(appraisal, by=cast.teacher_a, levels={1: "dat"}, expected_version=version)
    stale = Appraisal.objects.get(pk=appraisal.pk)
    stale.version = version
    with pytest.raises(services.Stale):
        services.save_self_assessment(stale, by=cast.teacher_a, levels={1: "tot"}, expected_version=version)


def test_an_unknown_level_or_criterion_is_refused_with_its_number(cast, appraisal):
    with pytest.raises(services.AppraisalError, match="16"):
        services.save_self_assessment(appraisal, by=cast.teacher_a, levels={16: "tot"})
    with pytest.raises(services.AppraisalError, match="3"):
        services.save_self_assessment(appraisal, by=cast.teacher_a, levels={3: "gioi"})


def test_evidence_files_are_limited_by_type_and_size(cast, appraisal, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(services.AppraisalError, match="chay.exe"):
        services.add_evidence(
            appraisal, by=cast.teacher_a, title="Tệp lạ", upload=SimpleUploadedFile("chay.exe", b"MZ" * 10)
        )
    with pytest.raises(services.AppraisalError, match="1 MB|0 MB"):
        services.add_evidence(
            appraisal, by=cast.teacher_a, title="Ảnh lớn", upload=SimpleUploadedFile("anh.jpg", b"x" * 2048)
        )
    evidence = services.add_evidence(
        appraisal,
        by=cast.teacher_a,
        title="Giáo án mẫu",
        criterion_number=4,
        upload=SimpleUploadedFile("giao an.pdf", b"%PDF-1.4 test", content_type="text/html"),
    )
    assert evidence.content_type == "application/pdf"  # from the extension, not what the browser claimed
    assert evidence.file.name.startswith(f"evidence/{appraisal.cycle_id}/{appraisal.pk}/")


def test_colleagues_of_the_subject_group_give_opinions_and_the_summary_counts_them(cast, cycle):
    colleague = make_staff(cast.tree.school_a, "Phạm Văn Bình", code="GV-A-002")
    third = make_staff(cast.tree.school_a, "Lê Thị Cúc", code="GV-A-003")
    stranger = make_staff(cast.tree.school_a, "Đỗ Văn Dũng", code="GV-A-004")
    services.save_group(
        unit=cast.tree.school_a, name="Tổ 1-2", leader=colleague, members=[cast.member_a, colleague, third]
    )
    assert [m.code for m in services.opinion_subjects(colleague, cycle)] == ["GV-A-003", "GV-A-001"]
    services.give_opinions(author=colleague, cycle=cycle, by=None, entries=[{"staff": cast.member_a, "rating": "tot"}])
    services.give_opinions(author=third, cycle=cycle, by=None, entries=[{"staff": cast.member_a, "rating": "kha"}])
    with pytest.raises(services.AppraisalError, match="Nguyễn Thị Hoà"):
        services.give_opinions(
            author=stranger, cycle=cycle, by=None, entries=[{"staff": cast.member_a, "rating": "dat"}]
        )
    appraisal = Appraisal.objects.get(cycle=cycle, staff=cast.member_a)
    assert services.opinion_summary([appraisal])[appraisal.pk] == {
        "tot": 1,
        "kha": 1,
        "dat": 0,
        "chua_dat": 0,
        "total": 2,
    }


def test_opinions_after_their_deadline_are_refused(cast, cycle):
    colleague = make_staff(cast.tree.school_a, "Phạm Văn Bình", code="GV-A-002")
    services.save_group(unit=cast.tree.school_a, name="Tổ 1-2", leader=None, members=[cast.member_a, colleague])
    late = cycle.opinions_until + dt.timedelta(days=1)
    with pytest.raises(services.AppraisalError, match=cycle.opinions_until.strftime("%d/%m/%Y")):
        services.give_opinions(
            author=colleague, cycle=cycle, by=None, today=late, entries=[{"staff": cast.member_a, "rating": "tot"}]
        )


def test_confirming_with_flags_writes_nothing_until_they_are_acknowledged(cast, appraisal):
    submitted(appraisal, cast.teacher_a, default="dat")
    row = services.EvaluationRow(appraisal, levels("tot"))
    with pytest.raises(services.NeedsAcknowledgement) as raised:
        services.confirm_evaluations([row], by=cast.principal_a)
    codes = {flag.code for flag in raised.value.flags[appraisal.pk]}
    assert codes == {"no_evidence", "all_tot", "gap"}
    assert Appraisal.objects.get(pk=appraisal.pk).evaluation_status == "none"
    services.confirm_evaluations([row], by=cast.principal_a, acknowledged=True)
    appraisal.refresh_from_db()
    assert (appraisal.evaluation_status, appraisal.final_rating) == ("confirmed", "tot")
    event = appraisal.events.get(action=AppraisalEvent.Action.CONFIRMED)
    assert event.by == cast.principal_a and len(event.details["flags"]) == 3


def test_three_people_given_the_same_levels_are_flagged(cast, cycle):
    rows = []
    for index in range(3):
        member = make_staff(cast.tree.school_a, f"Giáo Viên {index}", code=f"GV-S-{index}")
        appraisal = services.start_appraisal(cycle, member)
        rows.append(services.EvaluationRow(appraisal, levels("dat")))
    flags = services.bulk_flags(rows)
    assert all("same_pattern" in {f.code for f in flags[row.appraisal.pk]} for row in rows)
    assert "same_pattern" not in {f.code for f in services.bulk_flags(rows[:2]).get(rows[0].appraisal.pk, [])}


def test_an_incomplete_evaluation_is_refused_naming_the_person(cast, appraisal):
    with pytest.raises(services.AppraisalError, match="Nguyễn Thị Hoà"):
        services.confirm_evaluations([services.EvaluationRow(appraisal, {1: "kha"})], by=cast.principal_a)


def test_a_confirmed_evaluation_is_locked_and_reopened_only_with_a_reason(cast, appraisal):
    submitted(appraisal, cast.teacher_a, default="kha")
    services.confirm_evaluations(
        [services.EvaluationRow(appraisal, levels("kha", c8="dat"))], by=cast.principal_a, acknowledged=True
    )
    with pytest.raises(services.Locked):
        services.save_evaluation(appraisal, by=cast.principal_a, levels=levels("tot"))
    with pytest.raises(services.AppraisalError):
        services.reopen_evaluation(appraisal, by=cast.local, reason="sai")
    services.reopen_evaluation(appraisal, by=cast.local, reason="Nhập nhầm mức tiêu chí 8")
    appraisal.refresh_from_db()
    assert appraisal.evaluation_status == "draft"
    assert appraisal.events.filter(action="reopened", reason="Nhập nhầm mức tiêu chí 8", by=cast.local).exists()


def test_training_needs_are_the_lowest_criteria_plus_the_declared_ones(cast, appraisal):
    services.save_self_assessment(
        appraisal,
        by=cast.teacher_a,
        levels=levels("kha", c5="dat", c14="dat"),
        declared_criteria=[15],
        declared_needs="Ứng dụng AI trong soạn bài",
    )
    services.submit_self_assessment(appraisal, by=cast.teacher_a)
    needs = TrainingNeed.objects.filter(staff=cast.member_a).order_by("source", "criterion__number")
    assert [(n.source, n.criterion.number) for n in needs] == [("declared", 15), ("rating", 5), ("rating", 14)]
    # The confirmed evaluation replaces what the self-assessment said.
    services.confirm_evaluations(
        [services.EvaluationRow(appraisal, levels("kha", c9="dat"))], by=cast.principal_a, acknowledged=True
    )
    assert sorted(n.criterion.number for n in TrainingNeed.objects.filter(source="rating")) == [9]


@pytest.mark.parametrize(
    ("given", "needs"),
    [
        (levels("tot"), []),
        (levels("kha"), []),  # even at Khá: no criterion stands out
        (levels("kha", c14="tot"), [n for n in range(1, 16) if n != 14]),
        (levels("tot", c4="kha"), [4]),
        (levels("kha", c2="chua_dat", c3="chua_dat"), [2, 3]),
        (levels("dat"), list(range(1, 16))),  # Đạt everywhere: everything needs training
        ({}, []),
    ],
)
def test_the_needs_from_a_rating_are_the_criteria_that_stand_out_lowest(given, needs):
    assert services.lowest_criteria(given) == needs


def test_one_cycle_per_school_year_reaches_each_person(cast, cycle):
    with pytest.raises(services.AppraisalError, match="UBND phường Tân Phong"):
        make_cycle(cast.tree.province, by=cast.officer)
    with pytest.raises(services.AppraisalError, match="UBND phường Tân Phong"):
        make_cycle(cast.tree.school_a, by=cast.local)
    make_cycle(cast.tree.school_b, by=cast.officer)  # another branch of the tree


def test_cycle_dates_out_of_order_are_refused(cast, standards):
    today = timezone.localdate()
    with pytest.raises(services.AppraisalError):
        make_cycle(cast.tree.commune, self_assessment_until=today - dt.timedelta(days=30))


def test_the_evaluation_falls_every_two_years_unless_the_unit_evaluates_yearly(cast, standards):
    year = make_cycle(cast.tree.commune).year
    last_year = make_cycle(cast.tree.province, year=year - 1, title="Năm trước")
    before = services.start_appraisal(last_year, cast.member_a)
    services.confirm_evaluations([services.EvaluationRow(before, levels())], by=cast.principal_a, acknowledged=True)
    now = services.start_appraisal(services.cycle_for(cast.member_a, year), cast.member_a)
    assert now.pk not in services.evaluation_due([now])
    services.set_evaluation_policy(cast.tree.school_a, yearly=True, by=cast.principal_a, note="QĐ 12/QĐ-THTP")
    assert now.pk in services.evaluation_due([now])


def test_teachers_are_evaluated_by_their_head_and_principals_by_the_level_above(cast, appraisal, tree, standards):
    assert permissions.can_evaluate(cast.principal_a, appraisal)
    assert not permissions.can_evaluate(cast.principal_b, appraisal)
    assert not permissions.can_evaluate(cast.local, appraisal)
    head_a = make_staff(tree.school_a, "Vũ Văn Minh", code="HT-A", group="manager", position="Hiệu trưởng")
    head_b = make_staff(tree.school_b, "Lý Thị Hạnh", code="HT-B", group="manager", position="Hiệu trưởng")
    head_a.user = cast.principal_a
    head_a.save()
    principal_appraisal = services.start_appraisal(appraisal.cycle, head_a)
    assert permissions.can_evaluate(cast.local, principal_appraisal)  # primary school: the commune
    assert not permissions.can_evaluate(cast.principal_a, principal_appraisal)  # never oneself
    assert not permissions.can_evaluate(cast.officer, principal_appraisal)
    so_cycle = make_cycle(tree.school_b, by=cast.officer)
    upper_secondary = services.start_appraisal(so_cycle, head_b)
    assert permissions.can_evaluate(cast.officer, upper_secondary)  # upper secondary: the Sở
    assert permissions.superior_unit(tree.school_b) == tree.province


def test_a_school_under_a_district_office_has_its_principal_evaluated_there(tree):
    district = make_unit("PGD", "Phòng GDĐT Tam Đường", parent=tree.province, kind=UnitKind.DISTRICT_OFFICE)
    school = make_unit("THCS1", "Trường THCS Bình Lư", parent=district, levels="thcs")
    assert permissions.superior_unit(school) == district
    officer = make_user("pgd", role=Role.LOCAL_OFFICER, unit=district)
    assert permissions.officer_units(officer) == [district]
