import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bdtx.appraisals.demo import seed
from bdtx.appraisals.models import (
    Appraisal,
    AppraisalCycle,
    AppraisalEvent,
    EvaluationPolicy,
    Evidence,
    Opinion,
    SubjectGroup,
    TrainingNeed,
)
from bdtx.appraisals.services import lowest_criteria
from bdtx.staff.models import StaffGroup


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def digest(*, times: bool = True) -> str:
    fields = ["cycle__year", "staff__code", "self_levels", "self_status", "final_levels", "evaluation_status"]
    appraisals = Appraisal.objects.order_by("cycle__year", "staff__code").values_list(
        *fields, *(["created_at", "self_submitted_at"] if times else [])
    )
    groups = SubjectGroup.objects.order_by("unit__code", "name").values_list("unit__code", "name", "leader__code")
    opinions = Opinion.objects.order_by("appraisal__staff__code", "author__code").values_list(
        "appraisal__staff__code", "author__code", "rating"
    )
    return hashlib.sha256(repr([list(appraisals), list(groups), list(opinions)]).encode()).hexdigest()


def wipe_appraisals() -> None:
    Appraisal.objects.all().delete()  # with their evidence, opinions, events and needs
    SubjectGroup.objects.all().delete()
    EvaluationPolicy.objects.all().delete()
    AppraisalCycle.objects.all().delete()


@pytest.fixture
def province(db):
    run("seed_demo", "--staff", "120", "--seed", "7")


@pytest.fixture
def demo(province, standards):
    return run("seed_demo_appraisals", "--seed", "7")


def test_it_builds_last_years_cycle_done_and_this_years_open_now(demo):
    today = timezone.localdate()
    current, last = AppraisalCycle.objects.order_by("-year")
    assert current.year == last.year + 1
    assert current.unit.parent is None and last.unit.parent is None  # opened at the Sở
    assert current.created_by.username == "so.chuyenvien"
    assert current.self_assessment_from < today < current.self_assessment_until
    assert last.evaluation_until < today
    past = Appraisal.objects.filter(cycle=last)
    assert past.exists()
    assert not past.exclude(self_status="submitted").exists()
    assert not past.exclude(evaluation_status="confirmed").exists()
    now = Appraisal.objects.filter(cycle=current)
    statuses = Counter(now.values_list("self_status", flat=True))
    assert statuses["submitted"] > statuses["draft"] > 0
    assert now.count() < past.count()  # some have not started yet
    assert now.filter(evaluation_status="confirmed").exists()
    assert AppraisalEvent.objects.filter(appraisal__cycle=last, action="confirmed").count() == past.count()
    assert Evidence.objects.filter(appraisal__cycle=current).exists()
    assert TrainingNeed.objects.filter(year=current.year).exists()
    assert "2 đợt đánh giá" in demo
    assert f"năm trước {past.count()} kết quả đã xác nhận" in demo


def test_every_rating_is_the_standards_classification_of_the_levels(demo):
    appraisals = Appraisal.objects.select_related("standard")
    assert appraisals.filter(self_rating="").count() == appraisals.filter(self_status="draft").count()
    for appraisal in appraisals:
        if appraisal.submitted:
            assert appraisal.self_rating == appraisal.standard.classify(appraisal.levels("self"))
        if appraisal.evaluation_status != "none":
            assert appraisal.final_rating == appraisal.standard.classify(appraisal.levels("final"))
    ratings = Counter(appraisals.exclude(final_rating="").values_list("final_rating", flat=True))
    assert ratings["kha"] + ratings["dat"] > ratings["tot"] + ratings["chua_dat"]


def test_training_needs_are_the_lowest_criteria_of_each_submitted_appraisal(demo):
    appraisal = Appraisal.objects.filter(evaluation_status="confirmed").exclude(final_rating="tot").first()
    needs = TrainingNeed.objects.filter(appraisal=appraisal, source="rating")
    assert sorted(needs.values_list("criterion__number", flat=True)) == lowest_criteria(appraisal.levels("final"))


def test_subject_groups_hold_teachers_of_their_own_school_only(db, standards):
    run("seed_demo", "--staff", "400", "--seed", "7")
    run("seed_demo_appraisals", "--seed", "7")
    groups = SubjectGroup.objects.select_related("unit", "leader").prefetch_related("members")
    assert groups.count() > 10
    seen = Counter()
    for group in groups:
        members = list(group.members.all())
        assert 3 <= len(members) <= 8
        assert {member.unit_id for member in members} == {group.unit_id}
        assert {member.group for member in members} == {StaffGroup.TEACHER}
        assert group.leader in members
        seen.update(member.pk for member in members)
    assert max(seen.values()) == 1  # nobody in two groups
    assert Opinion.objects.exists()
    for opinion in Opinion.objects.select_related("author", "appraisal__staff")[:50]:
        assert opinion.author.unit_id == opinion.appraisal.staff.unit_id


def test_running_again_with_if_empty_changes_nothing(demo):
    before = digest()
    counts = (Appraisal.objects.count(), Evidence.objects.count(), TrainingNeed.objects.count())
    output = run("seed_demo_appraisals", "--if-empty", "--seed", "8")
    assert "đã có đợt đánh giá" in output
    assert digest() == before
    assert (Appraisal.objects.count(), Evidence.objects.count(), TrainingNeed.objects.count()) == counts


def test_running_again_without_if_empty_is_refused(demo):
    with pytest.raises(CommandError) as error:
        run("seed_demo_appraisals")
    assert error.value.returncode == 2
    assert "--if-empty" in str(error.value)


def test_the_same_seed_gives_the_same_appraisals(demo):
    first, content = digest(), digest(times=False)
    wipe_appraisals()
    run("seed_demo_appraisals", "--seed", "7")
    assert digest() == first
    wipe_appraisals()
    today = timezone.localdate()
    seed(seed=7, today=today.replace(day=2 if today.day == 1 else 1))  # another day: other dates, same data
    assert digest(times=False) == content
    wipe_appraisals()
    run("seed_demo_appraisals", "--seed", "8")
    assert digest(times=False) != content


def test_without_standards_it_exits_with_status_2(province):
    with pytest.raises(CommandError) as error:
        run("seed_demo_appraisals")
    assert error.value.returncode == 2
    assert "Chưa nạp chuẩn nghề nghiệp" in str(error.value)
    assert "load_standards" in str(error.value)
    assert not AppraisalCycle.objects.exists()


def test_without_the_demo_province_it_exits_with_status_2(standards):
    with pytest.raises(CommandError) as error:
        run("seed_demo_appraisals")
    assert error.value.returncode == 2
    assert "Chưa có tỉnh demo" in str(error.value)
