"""The dashboard pages: the figures of the scene as the officer, the commune and the principal see them, the drill-down
to the people, scope (404 outside), and bounded queries."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from bdtx.dashboards import services
from bdtx.dashboards.models import Tally

from . import scene


@pytest.fixture
def world(cast, standards):
    built = scene.build(cast, standards)
    call_command("load_targets", verbosity=0)
    return built


def table(html: str, table_id: str) -> list[list[str]]:
    """The rows of one table of the page, as the texts of their cells."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


def dashboard(client, user, unit, **params):
    client.force_login(user)
    return client.get(reverse("dashboards:unit", args=[unit.pk]), {"year": scene.YEAR, **params})


def test_the_province_dashboard_shows_each_childs_figures_in_vietnamese(client, world, cast):
    response = dashboard(client, cast.officer, world.tree.province)
    assert response.status_code == 200
    html = response.content.decode()
    assert "bảng tổng hợp năm học 2026-2027" in html
    rows = {row[0]: row[1:] for row in table(html, "completion-units")[1:]}
    # Directly at the Sở (Phúc), the commune (TA + MN), school B: people, completed, not completed, none, %.
    assert rows["UBND phường Tân Phong"] == ["9", "2", "7", "0", "22,2"]
    assert rows["Trường THPT Chuyên Lê Quý Đôn"] == ["2", "0", "0", "2", "0,0"]
    assert rows["Trực thuộc Sở Giáo dục và Đào tạo Lai Châu"] == ["1", "0", "0", "1", "0,0"]


def test_the_commune_dashboard_drills_down_to_its_schools(client, world, cast):
    html = dashboard(client, cast.local, world.tree.commune).content.decode()
    rows = {row[0]: row[1:] for row in table(html, "qualifications-units")[1:]}
    assert rows["Trường Tiểu học Tân Phong"] == ["6", "2", "3", "1", "33,3"]
    assert rows["Trường Mầm non Hoa Ban"] == ["3", "1", "2", "0", "33,3"]
    assert reverse("dashboards:unit", args=[world.tree.school_a.pk]) in html


def test_the_school_dashboard_shows_ratings_upgrade_forecast_and_heat_map(client, world, cast):
    html = dashboard(client, cast.principal_a, world.tree.school_a).content.decode()
    ratings = table(html, "ratings-levels")
    assert ratings[1] == ["Tiểu học", "0", "1", "0", "1", "4", "50,0"]
    upgrade = table(html, "upgrade-levels")
    assert upgrade[1] == ["Tiểu học", "0", "1", "1", "0", "1"]
    forecast = table(html, "retirement-levels")
    assert forecast[0][1:] == [
        "2026-2027",
        "2027-2028",
        "2028-2029",
        "2029-2030",
        "2030-2031",
        "Đã quá thời điểm nghỉ hưu, vẫn đang công tác",
    ]
    assert forecast[1] == ["Tiểu học", "1", "0", "0", "0", "0", "1"]
    heat = table(html, "needs-heat")
    assert heat[1][:4] == ["Trường Tiểu học Tân Phong", "2", "50,0% ", "50,0% (1)"] or heat[1][2:4] == [
        "50,0%",
        "50,0% (1)",
    ]


def test_the_budget_and_core_sections_add_up_the_plans(client, world, cast):
    html = dashboard(client, cast.officer, world.tree.province).content.decode()
    categories = table(html, "budget-categories")
    assert categories[1:] == [
        ["Giảng viên, báo cáo viên", "3.000.000", "0"],
        ["Tài liệu học tập", "2.000.000", "0"],
        ["Hội trường, thiết bị", "0", "1.000.000"],
    ]
    assert "5.000.000 đ" in html and "1.000.000 đ" in html
    core = {row[0]: row[1:] for row in table(html, "core-units")[1:]}
    assert core["UBND phường Tân Phong"] == ["9", "2", "22,2", "2", "100,0"]


def test_the_targets_show_their_status_at_the_unit(client, world, cast):
    html = dashboard(client, cast.officer, world.tree.province).content.decode()
    roadmap = {row[0]: row[1:] for row in table(html, "upgrade-roadmap")[1:]}
    # Primary teachers: An meets the standard, Bình is exempt, of Hoà, An, Bình, Giang, Khoa: 2 of 5.
    primary = "NĐ 71/2020, giai đoạn 2: 100% giáo viên tiểu học phải nâng chuẩn hoàn thành"
    assert roadmap[primary] == ["31/12/2030", "100,0%", "40,0%", "Có nguy cơ không đạt"]
    html = dashboard(client, cast.local, world.preschool).content.decode()
    rows = {row[0]: row[1:] for row in table(html, "targets-here")[1:]}
    kha = next(row for title, row in rows.items() if title.startswith("Ít nhất 93,5% giáo viên mầm non"))
    assert kha[-2:] == ["100,0% (1/1)", "Đạt tiến độ"]  # Mai, the only preschool teacher rated: Tốt
    college = next(row for title, row in rows.items() if title.startswith("Đến năm 2025: 90% giáo viên mầm non"))
    assert college[-2:] == ["33,3% (1/3)", "Không đạt"]  # Mai of Lan, Dung, Mai; the deadline 31/12/2025 is past


def test_a_teacher_is_sent_to_their_own_result(client, world, cast):
    client.force_login(cast.teacher_a)
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 302 and response.url == reverse("results:mine")


def test_the_home_page_is_the_viewers_highest_unit(client, world, cast):
    client.force_login(cast.local)
    response = client.get(reverse("dashboards:home"), {"year": scene.YEAR})
    assert response.status_code == 200
    assert response.context["unit"] == world.tree.commune


def test_an_outsider_gets_404(client, world, cast):
    client.force_login(cast.principal_b)
    for name in ("dashboards:unit", "dashboards:people", "dashboards:status"):
        assert client.get(reverse(name, args=[world.tree.school_a.pk])).status_code == 404
    assert client.get(reverse("dashboards:unit", args=[world.tree.commune.pk])).status_code == 404
    assert client.get(reverse("dashboards:unit", args=[world.tree.school_b.pk])).status_code == 200


def test_a_commune_officer_sees_only_their_subtree(client, world, cast):
    client.force_login(cast.local)
    assert client.get(reverse("dashboards:unit", args=[world.tree.province.pk])).status_code == 404
    assert client.get(reverse("dashboards:unit", args=[world.tree.school_b.pk])).status_code == 404
    assert client.get(reverse("dashboards:unit", args=[world.preschool.pk])).status_code == 200


def test_a_bad_school_year_is_said_in_vietnamese(client, world, cast):
    response = dashboard(client, cast.officer, world.tree.province, year="năm ngoái")
    assert response.status_code == 400
    assert "không phải là năm học" in response.content.decode()


def test_the_people_lists_name_who_is_behind_a_figure(client, world, cast):
    client.force_login(cast.local)
    url = reverse("dashboards:people", args=[world.tree.commune.pk])
    html = client.get(url, {"list": "must_upgrade", "year": scene.YEAR}).content.decode()
    assert "Đinh Thị Lan" in html and "Đỗ Thị Dung" not in html
    html = client.get(url, {"list": "retiring", "in": "2026", "year": scene.YEAR}).content.decode()
    assert "Phạm Thị Bình" in html and "Đỗ Thị Dung" in html and "31/10/2026" in html
    html = client.get(url, {"list": "retiring", "in": "past", "year": scene.YEAR}).content.decode()
    assert "Lê Văn An" in html and "31/08/2025" in html
    html = client.get(url, {"list": "not_completed", "year": scene.YEAR}).content.decode()
    assert "Phạm Thị Bình" in html and "Lê Văn An" not in html
    html = client.get(url, {"list": "core", "year": scene.YEAR}).content.decode()
    assert "Lê Văn An" in html and "Hà Thị Mai" in html and "Bùi Văn Hải" not in html


def test_a_bad_retirement_year_is_explained(client, world, cast):
    client.force_login(cast.local)
    url = reverse("dashboards:people", args=[world.tree.commune.pk])
    response = client.get(url, {"list": "retiring", "in": "sau-nay"})
    assert response.status_code == 400
    assert "không phải là năm học" in response.content.decode()


def test_the_dashboard_reads_a_bounded_number_of_queries(client, world, cast, django_assert_max_num_queries):
    services.ensure_fresh(scene.YEAR)
    client.force_login(cast.officer)
    url = reverse("dashboards:unit", args=[world.tree.province.pk])
    with django_assert_max_num_queries(40):
        assert client.get(url, {"year": scene.YEAR}).status_code == 200
    assert Tally.objects.filter(year=scene.YEAR).exists()


def test_the_people_list_reads_a_bounded_number_of_queries(client, world, cast, django_assert_max_num_queries):
    client.force_login(cast.officer)
    url = reverse("dashboards:people", args=[world.tree.province.pk])
    with django_assert_max_num_queries(15):
        assert client.get(url, {"list": "not_completed", "year": scene.YEAR}).status_code == 200
