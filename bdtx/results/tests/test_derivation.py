"""Yearly results derived from the database: the approved plan, attendance and scores in real classes."""

from decimal import Decimal

import pytest

from bdtx.catalog.models import TrainingModule
from bdtx.delivery.models import Attendance, AttendanceMethod, Score
from bdtx.delivery.outcomes import refresh_outcomes
from bdtx.results import services
from bdtx.results.models import YearResult
from bdtx.testing import enrol, make_class

pytestmark = pytest.mark.django_db


def pass_class(training_class, enrolment, score="7.5"):
    for session in training_class.sessions.all():
        Attendance.objects.create(session=session, enrolment=enrolment, present=True, method=AttendanceMethod.SHEET)
    training_class.sessions.update(attendance_taken=True)
    for test in training_class.assessments.all():
        Score.objects.create(assessment=test, enrolment=enrolment, value=Decimal(score))


def test_a_teacher_who_passes_every_planned_class_completes_the_year(cast, approved_plan):
    province = cast.tree.province
    modules = TrainingModule.objects.filter(code__in=["GVPT 04", "GVPT 05", "GVPT 06", "GVPT 07"])
    classes = [
        make_class(province, year=2027, code="L01", content="01", periods=40, sessions=2),
        make_class(province, year=2027, code="L02", content="02", periods=40, sessions=2),
        make_class(province, year=2027, code="L03", content="03", periods=40, modules=modules, sessions=2),
    ]
    enrolments = [enrol(training_class, cast.member_a)[0] for training_class in classes]
    for training_class, enrolment in zip(classes[:2], enrolments[:2], strict=True):
        pass_class(training_class, enrolment)
    refresh_outcomes([e.pk for e in enrolments])
    result = YearResult.objects.get(staff=cast.member_a, year=2027)
    assert result.outcome == "khong_hoan_thanh"
    assert [key for key, _values in result.reasons] == ["module_pending"] * 4
    pass_class(classes[2], enrolments[2], score="5")
    refresh_outcomes([enrolments[2].pk])
    result.refresh_from_db()
    assert (result.outcome, result.periods_planned, result.periods_earned) == ("hoan_thanh", 120, 120)
    assert result.reasons == [] and result.plan == approved_plan


def test_recognised_results_are_locked_until_reopened_and_every_step_is_audited(cast, approved_plan):
    services.recompute(2027, unit=cast.tree.school_a)
    result = YearResult.objects.get(staff=cast.member_a, year=2027)
    assert result.outcome == "khong_hoan_thanh"
    assert services.recognise([result], by=cast.principal_a) == 1
    with pytest.raises(services.ResultError):
        services.correct(result, outcome="hoan_thanh", reason="Học bù", by=cast.principal_a)
    counts = services.recompute(2027, unit=cast.tree.school_a)
    assert counts["locked"] == 1
    result = services.reopen(result, reason="Nhập thiếu điểm", by=cast.local)
    result = services.correct(result, outcome="hoan_thanh", reason="Đã học bù lớp tháng 6", by=cast.principal_a)
    assert result.outcome == "hoan_thanh" and result.corrected
    assert [event.action for event in result.events.all()] == ["recognise", "reopen", "correct"]
