"""Cycles: the list, opening a cycle, changing its dates."""

import datetime as dt

import pytest
from django.urls import reverse

from bdtx.appraisals.models import AppraisalCycle
from bdtx.testing import make_cycle, school_year_of

pytestmark = pytest.mark.django_db

THIS_YEAR = school_year_of(dt.date.today())


def cycle_form(unit_code: str, **values) -> dict:
    data = {
        "unit": unit_code,
        "year": "2030-2031",
        "title": "",
        "self_assessment_from": "01/05/2031",
        "self_assessment_until": "20/05/2031",
        "opinions_until": "25/05/2031",
        "evaluation_until": "05/06/2031",
    }
    return {**data, **values}


def test_the_list_shows_the_cycles_reaching_the_user_newest_first(client, cast):
    make_cycle(cast.tree.province, year=THIS_YEAR - 1, title="Đợt năm trước")
    make_cycle(cast.tree.province, year=THIS_YEAR, title="Đợt năm nay")
    make_cycle(cast.tree.commune, year=THIS_YEAR + 1, title="Đợt của phường")
    client.force_login(cast.principal_b)
    page = client.get(reverse("appraisals:cycles")).content.decode()
    assert page.index("Đợt năm nay") < page.index("Đợt năm trước")
    assert "Đợt của phường" not in page  # opened for the commune's schools only
    assert "Mở đợt đánh giá" not in page  # a principal does not open cycles


def test_the_list_of_cycles_makes_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    for year in range(2015, 2025):
        make_cycle(cast.tree.province, year=year)
    client.force_login(cast.officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("appraisals:cycles"))
    assert response.status_code == 200 and response.content.decode().count("/appraisals/cycles/") >= 10


def test_an_officer_opens_a_cycle_for_a_unit_below_them(client, cast):
    client.force_login(cast.officer)
    response = client.post(reverse("appraisals:cycle-new"), cycle_form("PA"))
    cycle = AppraisalCycle.objects.get()
    assert response.status_code == 302 and response.url == reverse("appraisals:cycle-detail", args=[cycle.pk])
    assert (cycle.unit, cycle.year, cycle.created_by) == (cast.tree.commune, 2030, cast.officer)
    assert cycle.evaluation_until == dt.date(2031, 6, 5)
    assert cycle.title == "Đánh giá chuẩn nghề nghiệp năm học 2030-2031"


def test_the_new_cycle_form_proposes_this_school_year(client, cast):
    client.force_login(cast.officer)
    page = client.get(reverse("appraisals:cycle-new")).content.decode()
    assert f"{THIS_YEAR}-{THIS_YEAR + 1}" in page and "dd/mm/yyyy" in page


def test_a_school_year_typed_wrong_is_refused_with_the_way_to_type_it(client, cast):
    client.force_login(cast.officer)
    response = client.post(reverse("appraisals:cycle-new"), cycle_form("PA", year="2030-2032"))
    assert "“2030-2032” không phải là năm học. Nhập theo dạng 2026-2027" in response.content.decode()
    assert not AppraisalCycle.objects.exists()


def test_a_date_that_does_not_exist_is_refused_in_its_field(client, cast):
    client.force_login(cast.officer)
    response = client.post(reverse("appraisals:cycle-new"), cycle_form("PA", opinions_until="31/02/2031"))
    assert "không phải là ngày có thật" in response.content.decode()
    assert not AppraisalCycle.objects.exists()


def test_dates_out_of_order_are_refused_with_the_services_message(client, cast):
    client.force_login(cast.officer)
    response = client.post(reverse("appraisals:cycle-new"), cycle_form("PA", evaluation_until="01/01/2031"))
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not AppraisalCycle.objects.exists()


def test_a_second_cycle_reaching_the_same_schools_the_same_year_is_refused(client, cast):
    make_cycle(cast.tree.province, year=2030, title="Đợt của Sở 2030")
    client.force_login(cast.officer)
    response = client.post(reverse("appraisals:cycle-new"), cycle_form("TA"))
    assert "Đợt của Sở 2030" in response.content.decode()  # the message names the cycle already there
    assert AppraisalCycle.objects.count() == 1


def test_a_commune_officer_cannot_open_a_cycle_for_the_whole_province(client, cast):
    client.force_login(cast.local)
    response = client.post(reverse("appraisals:cycle-new"), cycle_form("SO"))
    assert "Không có đơn vị nào có mã “SO”" in response.content.decode()
    assert not AppraisalCycle.objects.exists()


def test_a_principal_gets_404_on_the_new_cycle_page(client, cast):
    client.force_login(cast.principal_a)
    assert client.get(reverse("appraisals:cycle-new")).status_code == 404


def test_an_anonymous_visitor_is_asked_to_sign_in(client, cast):
    cycle = make_cycle(cast.tree.commune)
    for url in (reverse("appraisals:cycles"), reverse("appraisals:cycle-detail", args=[cycle.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_officer_moves_the_deadline_later(client, cast):
    cycle = make_cycle(cast.tree.commune)
    client.force_login(cast.local)
    later = cycle.self_assessment_until + dt.timedelta(days=3)
    response = client.post(
        reverse("appraisals:cycle-edit", args=[cycle.pk]),
        {
            "self_assessment_from": cycle.self_assessment_from.strftime("%d/%m/%Y"),
            "self_assessment_until": later.strftime("%d/%m/%Y"),
            "opinions_until": cycle.opinions_until.strftime("%d/%m/%Y"),
            "evaluation_until": cycle.evaluation_until.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.self_assessment_until == later


def test_moving_a_deadline_before_the_opening_is_refused_and_nothing_changes(client, cast):
    cycle = make_cycle(cast.tree.commune)
    before = cycle.self_assessment_until
    client.force_login(cast.local)
    response = client.post(
        reverse("appraisals:cycle-edit", args=[cycle.pk]),
        {
            "self_assessment_from": cycle.self_assessment_from.strftime("%d/%m/%Y"),
            "self_assessment_until": (cycle.self_assessment_from - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
            "opinions_until": cycle.opinions_until.strftime("%d/%m/%Y"),
            "evaluation_until": cycle.evaluation_until.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.self_assessment_until == before


def test_the_edit_form_shows_the_dates_as_dd_mm_yyyy(client, cast):
    cycle = make_cycle(cast.tree.commune)
    client.force_login(cast.local)
    page = client.get(reverse("appraisals:cycle-edit", args=[cycle.pk])).content.decode()
    assert cycle.evaluation_until.strftime("%d/%m/%Y") in page


def test_a_principal_may_see_but_not_change_the_dates(client, cast):
    cycle = make_cycle(cast.tree.commune)
    client.force_login(cast.principal_a)
    assert client.get(reverse("appraisals:cycle-detail", args=[cycle.pk])).status_code == 200
    assert client.get(reverse("appraisals:cycle-edit", args=[cycle.pk])).status_code == 403


def test_an_outsider_gets_404_on_a_cycle_of_another_commune(client, cast):
    cycle = make_cycle(cast.tree.commune)
    client.force_login(cast.principal_b)
    for name in ("cycle-detail", "cycle-edit", "cycle-ratings", "cycle-needs", "not-submitted-xlsx"):
        assert client.get(reverse(f"appraisals:{name}", args=[cycle.pk])).status_code == 404, name
