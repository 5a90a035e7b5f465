"""Reminders before the personal-plan deadline: who gets one, once a day, and the command."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from bdtx.catalog.models import TrainingModule
from bdtx.plans import reminders, services
from bdtx.plans.models import PlanTopic, UnitPlan
from bdtx.testing import make_staff

pytestmark = pytest.mark.django_db

YEAR = 2027
DEADLINE = dt.date(YEAR, 5, 31)


@pytest.fixture
def plans(cast, programmes):
    TrainingModule.objects.filter(code__startswith="GVPT").update(periods=10)
    so_plan = services.create_unit_plan(unit=cast.tree.province, year=YEAR, by=cast.officer)
    PlanTopic.objects.create(plan=so_plan, content="01", title="Chuyên đề 01", periods=40)
    PlanTopic.objects.create(plan=so_plan, content="02", title="Chuyên đề 02", periods=40)
    so_plan.modules.set(TrainingModule.objects.filter(code__startswith="GVPT"))
    UnitPlan.objects.filter(pk=so_plan.pk).update(personal_plan_deadline=DEADLINE)
    return so_plan


def test_people_without_a_submitted_plan_are_reminded_within_the_days_before_the_deadline(cast, plans):
    done = make_staff(cast.tree.school_a, "Lê Văn Xong", code="GV-R-1", email="xong@ta.edu.vn")
    plan = services.start_personal_plan(done, YEAR)
    services.set_modules(
        plan, TrainingModule.objects.filter(code__in=["GVPT 01", "GVPT 02", "GVPT 03", "GVPT 04"]), by=None
    )
    services.submit_personal_plan(plan, by=None)
    make_staff(cast.tree.school_a, "Đào Thị Không Thư", code="GV-R-2")  # no e-mail: nobody to write to
    cast.member_a.email = "hoa@ta.edu.vn"
    cast.member_a.save()
    assert reminders.due_reminders(DEADLINE - dt.timedelta(days=8)) == []
    due = reminders.due_reminders(DEADLINE - dt.timedelta(days=7))
    assert [r.staff.code for r in due] == ["GV-A-001"]


def test_the_reminder_is_sent_once_a_day_in_vietnamese_with_the_link(cast, plans, settings):
    settings.SITE_URL = "https://bdtx.example.vn"
    cast.member_a.email = "hoa@ta.edu.vn"
    cast.member_a.save()
    today = DEADLINE - dt.timedelta(days=3)
    sent = reminders.send_reminders(today)
    assert len(sent) == 1 and len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hoa@ta.edu.vn"]
    assert "31/05/2027" in message.subject and "2027-2028" in message.subject
    assert "https://bdtx.example.vn/plans/mine/" in message.body and "Nguyễn Thị Hoà" in message.body
    assert reminders.send_reminders(today) == []  # already reminded today
    assert len(reminders.send_reminders(today + dt.timedelta(days=1))) == 1


def test_a_school_plan_with_its_own_deadline_takes_over_for_its_people(cast, plans):
    cast.member_a.email = "hoa@ta.edu.vn"
    cast.member_a.save()
    school_plan = services.create_unit_plan(unit=cast.tree.school_a, year=YEAR, by=cast.principal_a)
    UnitPlan.objects.filter(pk=school_plan.pk).update(personal_plan_deadline=DEADLINE + dt.timedelta(days=20))
    assert reminders.due_reminders(DEADLINE - dt.timedelta(days=3)) == []


def test_the_command_lists_without_sending_on_a_dry_run(cast, plans, capsys):
    cast.member_a.email = "hoa@ta.edu.vn"
    cast.member_a.save()
    call_command("remind_plans", "--dry-run", "--days", "400")
    out = capsys.readouterr().out
    assert "GV-A-001" in out and "1 người sẽ được nhắc" in out
    assert mail.outbox == []
