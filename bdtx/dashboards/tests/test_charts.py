"""The charts on the dashboards: each section's SVG is on the page, named and described with the scene's figures
(tests/scene.py), linked to the table holding the same figures, its bars leading down to the child units; nothing the
Content Security Policy would refuse."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from bdtx.dashboards.models import Target
from bdtx.tests.test_permissions_matrix import inline_code

from . import scene


@pytest.fixture
def world(cast, standards):
    built = scene.build(cast, standards)
    call_command("load_targets", verbosity=0)
    return built


def page(client, user, unit, name="dashboards:unit", **params) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=[unit.pk]), {"year": scene.YEAR, **params})
    assert response.status_code == 200
    return response.content.decode()


def chart(html: str, chart_id: str) -> dict:
    """The chart's figure: its title, description, the links on it and the table the figure points to."""
    figure = re.search(rf'<figure class="chart">(?:(?!</figure>).)*?<svg[^>]*id="{chart_id}".*?</figure>', html, re.S)
    assert figure, f"no chart {chart_id}"
    text = figure.group(0)
    return {
        "title": re.search(rf'<title id="{chart_id}-title">(.*?)</title>', text).group(1),
        "desc": re.search(rf'<desc id="{chart_id}-desc">(.*?)</desc>', text).group(1),
        "links": re.findall(r'<a href="([^"#][^"]*)"', text),
        "table": re.search(r'<a href="#([^"]+)">Xem bảng số liệu</a>', text).group(1),
        "svg": text,
    }


def has_table(html: str, table_id: str) -> bool:
    return re.search(rf'<table[^>]*id="{table_id}"', html) is not None


def test_the_province_draws_completion_by_unit_against_the_target(client, world, cast):
    html = page(client, cast.officer, world.tree.province)
    found = chart(html, "chart-completion")
    assert found["title"] == "Tỷ lệ hoàn thành BDTX theo đơn vị, năm học 2026-2027"
    assert "UBND phường Tân Phong: 22,2%" in found["desc"]
    assert "Trường THPT Chuyên Lê Quý Đôn: 0%" in found["desc"]
    assert "Trực thuộc Sở Giáo dục và Đào tạo Lai Châu: 0%" in found["desc"]
    assert "Chỉ tiêu: 100%. 3/3 chưa đạt chỉ tiêu." in found["desc"]
    assert 'class="target"' in found["svg"] and "22,2%" in found["svg"]
    assert found["table"] == "completion-units" and has_table(html, "completion-units")
    commune = reverse("dashboards:unit", args=[world.tree.commune.pk])
    school_b = reverse("dashboards:unit", args=[world.tree.school_b.pk])
    # The bars of the children lead to their dashboards; the people directly at the Sở have no page of their own.
    assert found["links"] == [f"{school_b}?year=2026", f"{commune}?year=2026"]


def test_the_commune_draws_ratings_as_shares_per_school_linking_down(client, world, cast):
    html = page(client, cast.local, world.tree.commune)
    found = chart(html, "chart-ratings")
    assert found["title"] == "Xếp loại theo chuẩn nghề nghiệp theo đơn vị, năm học 2026-2027"
    # TA: An Khá, Bình Chưa đạt; MN: Mai Tốt.
    assert "Trường Tiểu học Tân Phong (2 người): Tốt 0% (0), Khá 50% (1), Đạt 0% (0), Chưa đạt 50% (1)" in found["desc"]
    assert "Trường Mầm non Hoa Ban (1 người): Tốt 100% (1)" in found["desc"]
    assert found["table"] == "ratings-units" and has_table(html, "ratings-units")
    assert f"{reverse('dashboards:unit', args=[world.tree.school_a.pk])}?year=2026" in found["links"]
    assert f"{reverse('dashboards:unit', args=[world.preschool.pk])}?year=2026" in found["links"]


def test_the_commune_draws_the_share_meeting_dieu_72_per_school(client, world, cast):
    html = page(client, cast.local, world.tree.commune)
    found = chart(html, "chart-qualifications")
    assert found["title"].startswith("Tỷ lệ đạt chuẩn trình độ đào tạo theo Điều 72 Luật Giáo dục 2019")
    assert found["desc"] == "Trường Mầm non Hoa Ban: 33,3%; Trường Tiểu học Tân Phong: 33,3%"
    assert found["table"] == "qualifications-units" and has_table(html, "qualifications-units")
    assert len(found["links"]) == 2


def test_the_province_draws_the_retirement_forecast_by_year_and_level(client, world, cast):
    html = page(client, cast.officer, world.tree.province)
    found = chart(html, "chart-retirement")
    # Bình (TA) and Dung (MN) in 2026-2027, Hải (THPT) in 2027-2028.
    assert found["desc"].startswith(
        "2026-2027: Mầm non 1, Tiểu học 1, THPT 0; 2027-2028: Mầm non 0, Tiểu học 0, THPT 1"
    )
    assert "Mầm non" in found["svg"] and "2030-2031" in found["svg"]
    assert found["table"] == "retirement-levels" and has_table(html, "retirement-levels")


def test_a_school_draws_the_heat_map_of_its_criteria(client, world, cast):
    html = page(client, cast.principal_a, world.tree.school_a)
    found = chart(html, "chart-needs")
    assert "Nhu cầu bồi dưỡng theo tiêu chí" in found["title"]
    # An at Khá everywhere, Bình at Đạt (criterion 2: Chưa đạt): one of two below Khá on every criterion.
    assert found["desc"].startswith("Trường Tiểu học Tân Phong: TC1: 50%, TC2: 50%,")
    assert "TC15: 50%" in found["desc"]
    assert found["table"] == "needs-heat" and has_table(html, "needs-heat")


def test_a_school_without_children_charts_its_levels_and_groups(client, world, cast):
    html = page(client, cast.principal_a, world.tree.school_a)
    found = chart(html, "chart-completion")
    assert found["title"] == "Tỷ lệ hoàn thành BDTX theo cấp học và nhóm, năm học 2026-2027"
    assert found["desc"].startswith("Tiểu học: 16,7%; Giáo viên: 20%; Cán bộ quản lý: 0%.")
    assert found["table"] == "completion-levels" and has_table(html, "completion-levels")
    assert found["links"] == []


def test_the_province_draws_upgrade_budget_and_core_teachers_by_unit(client, world, cast):
    html = page(client, cast.officer, world.tree.province)
    upgrade = chart(html, "chart-upgrade")
    assert upgrade["desc"] == "Trường THPT Chuyên Lê Quý Đôn: 0; UBND phường Tân Phong: 1"  # Lan
    assert upgrade["table"] == "upgrade-units" and has_table(html, "upgrade-units")
    budget = chart(html, "chart-budget")
    assert budget["desc"].endswith("UBND phường Tân Phong: 5.000.000")  # TA's approved plan
    assert budget["table"] == "budget-units" and has_table(html, "budget-units")
    core = chart(html, "chart-core")
    assert "Trường THPT Chuyên Lê Quý Đôn: 0%; UBND phường Tân Phong: 100%" in core["desc"]  # Hải; An and Mai
    assert core["table"] == "core-units" and has_table(html, "core-units")


def test_the_targets_show_progress_against_their_threshold(client, world, cast):
    html = page(client, cast.local, world.preschool)
    kha = Target.objects.get(code__isnull=False, metric="kha_or_better", threshold=93.5)
    found = chart(html, f"chart-target-{kha.pk}")
    assert found["title"] == kha.title
    assert found["desc"] == "100%, chỉ tiêu 93,5%: đạt"  # Mai, the only preschool teacher rated: Tốt
    assert found["table"] == "targets-here" and has_table(html, "targets-here")


def test_a_target_detail_draws_each_child_against_the_threshold(client, world, cast):
    target = Target.objects.get(metric="completion", group="", level="", unit=None, year=None, deadline=None)
    client.force_login(cast.officer)
    url = reverse("dashboards:target", args=[target.pk])
    html = client.get(url, {"unit": world.tree.province.pk, "year": scene.YEAR}).content.decode()
    found = chart(html, f"chart-target-units-{target.pk}")
    assert "UBND phường Tân Phong: 22,2%" in found["desc"] and "Chỉ tiêu: 100%" in found["desc"]
    assert found["table"] == "target-units" and has_table(html, "target-units")
    # The commune has schools under it: its bar opens the target there; school B's opens its dashboard.
    assert f"{url}?unit={world.tree.commune.pk}&amp;year=2026" in found["links"]
    assert f"{reverse('dashboards:unit', args=[world.tree.school_b.pk])}?year=2026" in found["links"]


def test_the_pages_with_charts_hold_nothing_the_security_policy_refuses(client, world, cast):
    for user, unit in ((cast.officer, world.tree.province), (cast.principal_a, world.tree.school_a)):
        html = page(client, user, unit)
        assert html.count("<svg") >= 6
        assert inline_code(html) == []


def test_an_empty_year_draws_no_chart_without_its_table(client, world, cast):
    html = page(client, cast.officer, world.tree.province, year=2019)
    for table_id in re.findall(r'<a href="#([^"]+)">Xem bảng số liệu</a>', html):
        assert has_table(html, table_id)
