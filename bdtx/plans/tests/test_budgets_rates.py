"""The province's rate card (TT 36/2018 categories, rates of its HĐND resolution) and the rule data behind it."""

import pytest
from django.urls import reverse

from bdtx.plans import services
from bdtx.plans.models import CostCategory, CostRate
from bdtx.rules.costs import cost_rules, format_money, parse_money

pytestmark = pytest.mark.django_db


def test_the_tt36_rule_data_names_every_category_and_the_one_confirmed_cap():
    rules = cost_rules()
    assert set(rules.categories) == set(CostCategory.values)
    assert rules.cap("rewards") == 200_000
    assert {code for code, rule in rules.categories.items() if rule.national_cap is not None} == {"rewards"}
    assert any("giảng viên" in note for note in rules.unconfirmed)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1.200.000", 1_200_000),
        ("1200000", 1_200_000),
        ("1 200 000 đ", 1_200_000),
        ("1,200,000", 1_200_000),
        ("200.000đ", 200_000),
        ("1,5", None),
        ("12.00", None),
        ("1,5 triệu", None),
        ("", None),
    ],
)
def test_sums_are_read_the_way_people_type_them(typed, amount):
    assert parse_money(typed) == amount


def test_sums_are_written_with_dots_and_dong():
    assert format_money(1_200_000) == "1.200.000 đ" and format_money(0) == "0 đ" and format_money(950) == "950 đ"


def test_a_province_officer_adds_a_rate_and_every_manager_reads_it(client, cast):
    client.force_login(cast.officer)
    url = reverse("plans:rates")
    response = client.post(
        url,
        {
            "category": "lecturers",
            "label": "Báo cáo viên cấp tỉnh",
            "per": "người/buổi",
            "max_rate": "1.200.000",
            "source": "Nghị quyết 12/2024/NQ-HĐND",
        },
    )
    assert response.status_code == 302
    rate = CostRate.objects.get()
    assert (rate.unit, rate.max_rate) == (cast.tree.province, 1_200_000)
    for user in (cast.local, cast.principal_b):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert "Báo cáo viên cấp tỉnh" in page and "1.200.000 đ" in page and "Nghị quyết 12/2024/NQ-HĐND" in page
        assert 'name="max_rate"' not in page


def test_a_rate_is_changed_and_removed_by_the_provinces_officer(client, cast):
    rate = services.save_rate(unit=cast.tree.province, category="meals", label="Tiền ăn", per="ngày", max_rate=80_000)
    client.force_login(cast.officer)
    url = reverse("plans:rates")
    assert 'value="80.000"' in client.get(url, {"edit": rate.pk}).content.decode()
    client.post(url, {"rate": rate.pk, "category": "meals", "label": "Tiền ăn", "per": "học viên/ngày",
                      "max_rate": "100000"})  # fmt: skip
    rate.refresh_from_db()
    assert (rate.per, rate.max_rate) == ("học viên/ngày", 100_000)
    client.post(url, {"delete": rate.pk})
    assert not CostRate.objects.exists()


def test_a_reward_rate_above_200000_dong_per_learner_is_refused(client, cast):
    client.force_login(cast.officer)
    response = client.post(
        reverse("plans:rates"),
        {"category": "rewards", "label": "Học viên xuất sắc", "per": "học viên", "max_rate": "300.000"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Học viên xuất sắc" in page and "300.000 đ" in page and "200.000 đ" in page
    assert not CostRate.objects.exists()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"max_rate": "1,5 triệu"}, "“1,5 triệu” không phải là số tiền"),
        ({"max_rate": "0"}, "lớn hơn 0"),
        ({"label": ""}, "Tên mức chi"),
        ({"category": "banquet"}, "Nội dung chi"),
    ],
)
def test_bad_input_gets_a_clear_message(client, cast, values, expected):
    client.force_login(cast.officer)
    data = {"category": "venue", "label": "Thuê hội trường", "per": "ngày", "max_rate": "2.000.000", **values}
    response = client.post(reverse("plans:rates"), data)
    assert response.status_code == 200 and expected in response.content.decode()
    assert not CostRate.objects.exists()


def test_the_same_label_twice_in_a_category_is_refused(cast):
    services.save_rate(unit=cast.tree.school_a, category="venue", label="Hội trường", per="ngày", max_rate=1)
    with pytest.raises(services.PlanError, match="Hội trường"):
        services.save_rate(unit=cast.tree.province, category="venue", label="hội trường", per="ngày", max_rate=2)
    assert CostRate.objects.get().unit == cast.tree.province  # the card is always the top unit's


def test_only_the_provinces_officers_change_the_rates(client, cast):
    rate = services.save_rate(unit=cast.tree.province, category="venue", label="Hội trường", per="ngày", max_rate=1)
    client.force_login(cast.local)
    url = reverse("plans:rates")
    assert client.post(url, {"delete": rate.pk}).status_code == 403
    assert client.post(url, {"category": "venue", "label": "x", "per": "ngày", "max_rate": "5"}).status_code == 403
    assert CostRate.objects.count() == 1


def test_someone_managing_nothing_has_no_rate_card(client, cast):
    client.force_login(cast.teacher_a)
    assert client.get(reverse("plans:rates")).status_code == 404


def test_the_rate_card_asks_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    for number, (code, _label) in enumerate(CostCategory.choices):
        for tier in range(3):
            services.save_rate(
                unit=cast.tree.province, category=code, label=f"Mức {tier}", per="buổi", max_rate=1000 * (number + 1)
            )
    client.force_login(cast.officer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("plans:rates")).status_code == 200
