"""The kept figures against the scene's table worked out by hand (bdtx/dashboards/tests/scene.py)."""

import pytest
from django.db.models import Sum

from bdtx.dashboards import aggregates
from bdtx.dashboards.models import Metric, Tally, TallyState

from . import scene


@pytest.fixture
def world(cast, standards):
    built = scene.build(cast, standards)
    aggregates.refresh(scene.YEAR)
    return built


def count(unit, metric, **match) -> int:
    rows = Tally.objects.filter(year=scene.YEAR, unit=unit, metric=metric, **match)
    return rows.aggregate(n=Sum("count"))["n"] or 0


def test_completion_is_counted_per_unit_and_summed_up_the_tree(world):
    tree = world.tree
    assert count(tree.school_a, Metric.COMPLETION, bucket="hoan_thanh") == 1
    assert count(tree.school_a, Metric.COMPLETION, bucket="khong_hoan_thanh") == 5
    assert count(world.preschool, Metric.COMPLETION, bucket="hoan_thanh") == 1
    assert count(world.preschool, Metric.COMPLETION, bucket="khong_hoan_thanh") == 2
    assert count(tree.school_b, Metric.COMPLETION, bucket="none") == 2
    assert count(tree.commune, Metric.COMPLETION) == 9
    assert count(tree.province, Metric.COMPLETION, bucket="hoan_thanh") == 2
    assert count(tree.province, Metric.COMPLETION, bucket="khong_hoan_thanh") == 7
    assert count(tree.province, Metric.COMPLETION, bucket="none") == 3


def test_people_without_levels_are_counted_at_their_schools_level(world):
    assert count(world.tree.school_a, Metric.COMPLETION, level="tieu_hoc") == 6
    assert count(world.tree.school_b, Metric.COMPLETION, level="thpt") == 2
    assert count(world.tree.province, Metric.COMPLETION, level="") == 1  # Phúc: the Sở has no level


def test_employees_and_people_no_longer_working_are_not_counted(world):
    assert count(world.tree.school_a, Metric.QUALIFICATIONS) == 6
    assert count(world.tree.school_a, Metric.CORE, bucket="people") == 6


def test_ratings_are_the_confirmed_final_ratings_of_the_year(world):
    tree = world.tree
    assert count(tree.school_a, Metric.RATINGS, bucket="kha") == 1
    assert count(tree.school_a, Metric.RATINGS, bucket="chua_dat") == 1
    assert count(tree.school_a, Metric.RATINGS, bucket="none") == 4
    assert count(world.preschool, Metric.RATINGS, bucket="tot", level="mam_non", group="teacher") == 1
    assert count(tree.province, Metric.RATINGS, bucket="none") == 9


def test_qualifications_are_judged_against_the_standard_of_each_level(world):
    tree = world.tree
    assert count(tree.school_a, Metric.QUALIFICATIONS, detail="meets") == 2
    assert count(tree.school_a, Metric.QUALIFICATIONS, detail="below") == 3
    assert count(tree.school_a, Metric.QUALIFICATIONS, detail="not_recorded") == 1
    assert count(world.preschool, Metric.QUALIFICATIONS, detail="meets", bucket="cao_dang") == 1
    assert count(tree.school_b, Metric.QUALIFICATIONS, detail="below", bucket="cao_dang") == 1
    assert count(tree.province, Metric.QUALIFICATIONS, detail="no_standard") == 1
    assert count(tree.province, Metric.QUALIFICATIONS, detail="meets") == 3
    assert count(tree.province, Metric.QUALIFICATIONS, detail="below") == 6


def test_the_upgrade_verdicts_of_decree_71(world):
    tree = world.tree
    assert count(world.preschool, Metric.UPGRADE, bucket="must") == 1
    assert count(world.preschool, Metric.UPGRADE, bucket="exempt") == 1
    assert count(tree.school_a, Metric.UPGRADE, bucket="exempt") == 1
    assert count(tree.school_a, Metric.UPGRADE, bucket="hired_after") == 1
    assert count(tree.school_a, Metric.UPGRADE, bucket="unknown") == 1
    assert count(tree.school_b, Metric.UPGRADE, bucket="not_covered") == 1
    assert count(tree.province, Metric.UPGRADE) == 6


def test_the_retirement_forecast_counts_by_school_year_level_and_subject(world):
    tree = world.tree
    assert count(tree.school_a, Metric.RETIREMENT, bucket="past") == 1
    assert count(tree.school_a, Metric.RETIREMENT, bucket="2026", detail="Tiếng Việt") == 1
    assert count(world.preschool, Metric.RETIREMENT, bucket="2026", level="mam_non") == 1
    assert count(tree.school_b, Metric.RETIREMENT, bucket="2027", detail="Vật lí") == 1
    assert count(tree.province, Metric.RETIREMENT, bucket="2026") == 2
    assert count(tree.province, Metric.RETIREMENT) == 4


def test_the_heat_map_counts_levels_per_criterion_of_the_confirmed_evaluations(world):
    school = world.tree.school_a
    assert count(school, Metric.NEEDS, bucket="evaluated", detail="tt20-2018") == 2
    assert count(school, Metric.NEEDS, bucket="chua_dat", detail="tt20-2018:2") == 1
    assert count(school, Metric.NEEDS, bucket="dat", detail="tt20-2018:2") == 0
    assert count(school, Metric.NEEDS, bucket="dat", detail="tt20-2018:1") == 1
    assert count(world.tree.commune, Metric.NEEDS, bucket="evaluated", detail="tt26-2018") == 1


def test_budgets_are_summed_in_dong_by_category_and_approval(world):
    tree = world.tree
    assert count(tree.school_a, Metric.BUDGET, bucket="lecturers", detail="approved") == 3_000_000
    assert count(tree.school_a, Metric.BUDGET, bucket="materials", detail="approved") == 2_000_000
    assert count(tree.commune, Metric.BUDGET, bucket="venue", detail="pending") == 1_000_000
    assert count(tree.province, Metric.BUDGET, bucket="plans", detail="approved") == 1
    assert count(tree.province, Metric.BUDGET, bucket="plans", detail="pending") == 2


def test_core_teachers_and_those_who_completed(world):
    tree = world.tree
    assert count(tree.province, Metric.CORE, bucket="people") == 12
    assert count(tree.province, Metric.CORE, bucket="core") == 3
    assert count(tree.province, Metric.CORE, bucket="core_completed") == 2
    assert count(tree.school_b, Metric.CORE, bucket="core_completed") == 0


def test_counting_again_gives_the_same_rows_and_records_each_metric(world):
    before = sorted(Tally.objects.values_list("unit_id", "metric", "group", "level", "bucket", "detail", "count"))
    aggregates.refresh(scene.YEAR)
    after = sorted(Tally.objects.values_list("unit_id", "metric", "group", "level", "bucket", "detail", "count"))
    assert before == after
    assert set(TallyState.objects.filter(year=scene.YEAR).values_list("metric", flat=True)) == set(Metric.values)
