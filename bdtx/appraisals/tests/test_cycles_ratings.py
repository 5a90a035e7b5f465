"""Rating distribution with the change against last year, and the training needs aggregated by unit."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from bdtx.appraisals import services
from bdtx.appraisals.progress import Subtree, distribution, needs_by_criterion
from bdtx.testing import make_cycle, make_staff, make_unit, school_year_of

from .test_cycles_progress import confirm, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def years(cast, standards):
    """School A's three teachers, rated Đạt, Đạt, Khá last year and Khá, Tốt, Đạt this year; school B's teacher
    Khá this year. Khá or better at school A: 33.3% last year, 66.7% this year."""
    tree = cast.tree
    this_year = school_year_of(dt.date.today())
    cast.member_a.levels = "tieu_hoc"
    cast.member_a.save()
    teachers = [
        cast.member_a,
        make_staff(tree.school_a, "Lê Văn Bình", levels="tieu_hoc"),
        make_staff(tree.school_a, "Phạm Quốc Cường", levels="tieu_hoc"),
    ]
    before = make_cycle(tree.province, year=this_year - 1)
    now = make_cycle(tree.province, year=this_year, by=cast.officer)
    for member, level in zip(teachers, ["dat", "dat", "kha"], strict=True):
        confirm(services.start_appraisal(before, member), cast.principal_a, level)
    # Hoà: criterion 1 only Đạt (her lowest: a need) and she declares criterion 2 herself.
    hoa = services.start_appraisal(now, teachers[0])
    services.save_self_assessment(
        hoa, by=None, levels={n: "dat" if n == 1 else "kha" for n in range(1, 16)}, declared_criteria=[2]
    )
    services.submit_self_assessment(hoa, by=None)
    confirm(hoa, cast.principal_a, "kha", c1="dat")
    confirm(submit(now, teachers[1], "tot"), cast.principal_a, "tot")
    confirm(submit(now, teachers[2], "dat", c3="kha"), cast.principal_a, "dat")
    cast.member_b.levels = "thpt"
    cast.member_b.save()
    confirm(submit(now, cast.member_b, "kha", c1="dat"), cast.principal_b, "kha", c1="dat")
    return SimpleNamespace(cast=cast, tree=tree, now=now, before=before, teachers=teachers, year=this_year)


def test_the_distribution_counts_the_confirmed_ratings_by_unit_and_level(years):
    dist = distribution(years.now, Subtree.of(years.tree.province))
    assert dict(dist.total.counts) == {"kha": 2, "tot": 1, "dat": 1}
    by_unit = {row.unit.code: row for row in dist.by_unit}
    assert by_unit["PA"].kha_or_better == 66.7 and by_unit["PA"].last_year_kha_or_better == 33.3
    assert by_unit["PA"].change == 33.4  # 66.7 - 33.3, each rounded first
    assert by_unit["TB"].kha_or_better == 100.0 and by_unit["TB"].change is None  # nothing last year
    assert {row.label: row.total for row in dist.by_level} == {"Tiểu học": 3, "THPT": 1}


def test_the_self_ratings_are_counted_apart(years):
    dist = distribution(years.now, Subtree.of(years.tree.province))
    assert dist.self_total.total == 4 and dist.self_total.counts["tot"] == 1


def test_the_ratings_page_shows_shares_the_target_and_the_change(client, years):
    client.force_login(years.cast.officer)
    response = client.get(reverse("appraisals:cycle-ratings", args=[years.now.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "66,7%" in page and "33,3%" in page and "+33,4" in page
    assert "93,5%" in page and "dưới mục tiêu" in page
    assert "Tiểu học" in page


def test_a_principal_sees_the_ratings_of_their_school_only(client, years):
    client.force_login(years.cast.principal_b)
    response = client.get(reverse("appraisals:cycle-ratings", args=[years.now.pk]))
    assert response.context["dist"].total.total == 1
    url = reverse("appraisals:cycle-ratings", args=[years.now.pk])
    assert client.get(url, {"unit": years.tree.school_a.pk}).status_code == 404


def test_the_ratings_page_makes_a_bounded_number_of_queries(client, years, django_assert_max_num_queries):
    client.force_login(years.cast.officer)
    url = reverse("appraisals:cycle-ratings", args=[years.now.pk])
    with django_assert_max_num_queries(12):
        client.get(url)
    for number in range(3):
        school = make_unit(f"TR{number}", parent=years.tree.commune, levels="thcs")
        confirm(submit(years.now, make_staff(school, f"Trần Văn Số {number}", levels="thcs")), years.cast.local)
    with django_assert_max_num_queries(12):
        client.get(url)
    with django_assert_max_num_queries(13):
        client.get(url, {"unit": years.tree.commune.pk})


def test_needs_by_criterion_counts_people_once_per_criterion(years):
    rows = {(row.standard_code, row.number): row for row in needs_by_criterion(years.tree.province, years.year)}
    # Criterion 1: Hoà's and Đức's lowest; Cường, all Đạt, has every criterion at his lowest.
    assert rows[("tt20-2018", 1)].people == 3 and rows[("tt20-2018", 1)].rated == 3
    # Criterion 2: Cường (rated) and Hoà (declared), each counted once.
    assert (rows[("tt20-2018", 2)].people, rows[("tt20-2018", 2)].declared) == (2, 1)
    assert rows[("tt20-2018", 1)].title
    school_a = {
        (row.standard_code, row.number): row.people for row in needs_by_criterion(years.tree.school_a, years.year)
    }
    assert school_a[("tt20-2018", 1)] == 2


def test_the_needs_page_shows_criteria_and_a_heat_table_by_unit(client, years):
    client.force_login(years.cast.officer)
    response = client.get(reverse("appraisals:cycle-needs", args=[years.now.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and response.context["chosen"] == "tt20-2018"
    heat = {row.unit.code: row for row in response.context["heat"]}
    assert heat["TB"].appraised == 1 and heat["TB"].cells[0][:2] == (1, 100.0)
    assert "heat-5" in page and "TT20-2018" in page


def test_an_unknown_standard_on_the_needs_page_says_so(client, years):
    client.force_login(years.cast.officer)
    response = client.get(reverse("appraisals:cycle-needs", args=[years.now.pk]), {"standard": "tt99"})
    assert "Không có nhu cầu bồi dưỡng nào theo chuẩn đó" in response.content.decode()


def test_the_needs_page_makes_a_bounded_number_of_queries(client, years, django_assert_max_num_queries):
    client.force_login(years.cast.officer)
    url = reverse("appraisals:cycle-needs", args=[years.now.pk])
    with django_assert_max_num_queries(15):
        client.get(url)
    with django_assert_max_num_queries(17):  # and the unit asked for, and its trail
        client.get(url, {"unit": years.tree.commune.pk, "standard": "tt20-2018"})
