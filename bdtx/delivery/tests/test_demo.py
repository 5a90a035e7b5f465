"""The delivery demo on a small demo province: classes built from the approved plans, what has happened so far
derived by the rule, last year's finished year with certificates that verify."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from bdtx.delivery.models import Enrolment, Question, Trainer, TrainingClass
from bdtx.plans.models import PersonalPlan, PlanStatus
from bdtx.results.models import Certificate, YearResult
from bdtx.testing import school_year_of

YEAR = school_year_of(timezone.localdate())


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, programmes):
    run("seed_demo", "--staff", "400", "--seed", "7")
    run("seed_demo_plans", "--seed", "7")
    return run("seed_demo_delivery", "--seed", "7")


def test_everyone_with_an_approved_plan_is_enrolled_where_the_plan_needs_and_outcomes_follow_the_rule(demo):
    approved = set(PersonalPlan.objects.filter(year=YEAR, status=PlanStatus.APPROVED).values_list("staff", flat=True))
    enrolled = Enrolment.objects.filter(training_class__year=YEAR, status="enrolled")
    assert set(enrolled.values_list("staff", flat=True)) == approved
    by_content = Counter(enrolled.values_list("training_class__content", flat=True))
    assert by_content["01"] == by_content["02"] == len(approved) and by_content["03"] > len(approved)
    outcomes = Counter(enrolled.filter(training_class__content="01").values_list("outcome", flat=True))
    assert outcomes["passed"] > 0.8 * len(approved) and outcomes["failed"] > 0  # held, scored: mostly passed
    assert set(enrolled.filter(training_class__content="02").values_list("outcome", flat=True)) <= {"pending", "failed"}
    assert Question.objects.count() >= 5 * 10 and Trainer.objects.filter(user__username="bcv.demo").exists()
    assert TrainingClass.objects.filter(self_enrol=True, enrolments__status="requested").exists()
    assert f"{TrainingClass.objects.filter(year=YEAR).count()} lớp" in demo and "8 báo cáo viên" in demo
    this_year = Counter(YearResult.objects.filter(year=YEAR).values_list("outcome", flat=True))
    assert this_year == {"khong_hoan_thanh": this_year["khong_hoan_thanh"]}  # the year is not over


def test_last_years_completed_results_are_recognised_and_their_certificates_verify(demo, client):
    last = YearResult.objects.filter(year=YEAR - 1)
    assert last.exists() and not last.filter(recognised=False).exists()
    completed = last.filter(outcome="hoan_thanh")
    certificates = Certificate.objects.filter(year=YEAR - 1)
    assert certificates.count() == completed.count() > 0
    assert sorted(certificates.values_list("number", flat=True)) == list(range(1, certificates.count() + 1))
    certificate = certificates.select_related("staff").first()
    page = client.get(reverse("verify", args=[certificate.code])).content.decode()
    assert certificate.staff.full_name in page


def test_the_demo_is_built_once(demo):
    assert "không thêm lớp demo" in run("seed_demo_delivery", "--if-empty")
    with pytest.raises(CommandError):
        call_command("seed_demo_delivery", stdout=StringIO())
