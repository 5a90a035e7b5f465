"""The dashboards in a real browser: the Sở officer opens the province's dashboard, drills down to the commune, the
school and the people who must upgrade, reads a target unit by unit and sets one of their own; the principal sees
their school on a phone. Screenshots under var/screenshots/ (dashboard-*.png; the charts: dashboard-08-chart-*.png)."""

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from . import scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def chart(page, selector: str, name: str) -> None:
    """A screenshot of one chart (with its link to the table), the picture a reviewer looks at."""
    figure = page.locator(selector).first
    expect(figure.locator("svg").first).to_be_visible()
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_an_officer_drills_down_the_dashboards_and_sets_a_target(page, cast, standards):
    world = scene.build(cast, standards)
    call_command("load_targets", verbosity=0)
    year = f"?year={scene.YEAR}"
    page.sign_in("officer", f"/dashboards/{year}")
    expect(page.locator("h1")).to_contain_text("bảng tổng hợp năm học 2026-2027")
    expect(page.locator("#freshness")).to_contain_text("khớp với dữ liệu hiện có")
    expect(page.locator("#completion-units")).to_contain_text("UBND phường Tân Phong")
    page.shot("dashboard-01-province")
    for section in ("completion", "retirement", "targets"):
        chart(page, f"#{section} figure.chart", f"dashboard-08-chart-{section}")

    # Down to the commune by its bar on the completion chart (the SVG's link), as by the table's.
    page.locator("#chart-completion a").filter(has_text="UBND phường Tân Phong").click()
    expect(page.locator("h1")).to_contain_text("UBND phường Tân Phong")
    page.shot("dashboard-02-commune")
    for section in ("ratings", "qualifications", "needs"):
        chart(page, f"#{section} figure.chart", f"dashboard-08-chart-{section}")

    page.locator("#qualifications-units").get_by_role("link", name="Trường Mầm non Hoa Ban").click()
    expect(page.locator("h1")).to_contain_text("Trường Mầm non Hoa Ban")
    page.locator("#upgrade").scroll_into_view_if_needed()
    page.shot("dashboard-03-school-upgrade")
    page.get_by_role("link", name="Danh sách phải nâng chuẩn").click()
    expect(page.locator("#people")).to_contain_text("Đinh Thị Lan")
    page.shot("dashboard-04-who-must-upgrade")

    page.goto(f"{page.base_url}/dashboards/targets/{year}")
    page.get_by_role("link", name="100% cán bộ quản lý, giáo viên hoàn thành kế hoạch BDTX năm học").click()
    expect(page.locator("#target-units")).to_contain_text("Có nguy cơ không đạt")
    page.shot("dashboard-05-target-by-unit")

    page.goto(f"{page.base_url}/dashboards/targets/new/?unit={world.tree.commune.pk}")
    page.fill("#id_title", "95% giáo viên tiểu học phường hoàn thành BDTX")
    page.select_option("#id_metric", "completion")
    page.select_option("#id_level", "tieu_hoc")
    page.fill("#id_threshold", "95")
    page.fill("#id_deadline", "31/05/2027")
    page.select_option("#id_year", str(scene.YEAR))
    page.click("main button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Đã đặt chỉ tiêu")
    page.shot("dashboard-06-own-target")

    page.sign_in("principal_a", f"/dashboards/{year}")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("h1")).to_contain_text("Trường Tiểu học Tân Phong")
    page.locator("#needs").scroll_into_view_if_needed()
    page.shot("dashboard-07-school-on-a-phone")
