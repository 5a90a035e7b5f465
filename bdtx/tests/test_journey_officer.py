"""A Department officer in a real browser on the demo province: sign in → open the unit tree → unfold a
commune (loaded with htmx) → open a school → its staff list → download it. Screenshots under var/screenshots/."""

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from bdtx.organisations.demo import DEMO_PASSWORD
from bdtx.organisations.models import Unit, UnitKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_browses_the_province_and_downloads_a_school_list(page, tmp_path):
    call_command("seed_demo", staff=400, seed=7, verbosity=0)
    base = page.base_url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "so.chuyenvien")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.shot("11-officer-home")

    page.goto(f"{base}/units/")
    province = Unit.objects.get(kind=UnitKind.DEPARTMENT)
    page.locator(f"summary:has(a[href='/units/{province.pk}/'])").click()
    commune = Unit.objects.filter(kind=UnitKind.COMMUNE).order_by("path").first()
    details = page.locator(f"details:has(> summary a[href='/units/{commune.pk}/'])")
    details.locator("summary").click()
    school = commune.children.order_by("path").first()
    expect(details.locator(f".kids a[href='/units/{school.pk}/']")).to_be_visible()  # loaded on demand
    page.shot("12-unit-tree")

    page.click(f".kids a[href='/units/{school.pk}/']")
    expect(page.locator("h1")).to_contain_text(school.name)
    page.shot("13-school-page")

    page.goto(f"{base}/staff/?unit={school.code}")
    rows = page.locator("#rows tbody tr")
    expect(rows.first).to_be_visible()
    page.shot("14-school-staff-list")

    with page.expect_download() as download:
        page.click("a[href^='/staff/export/']")
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path, read_only=True).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["Mã định danh", "Họ và tên", "Ngày sinh"]
    assert sheet.max_row - 1 == school.staff.filter(status="working").count() == rows.count()
