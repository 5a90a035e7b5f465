"""The principal's journey in a real browser (Debian's Chromium through Playwright): sign in → find a teacher
without diacritics → open → edit → import a file with errors → see them → fix → apply.
Screenshots of every step are kept under var/screenshots/ for review."""

import csv

import pytest
from playwright.sync_api import expect

from bdtx.staff.models import StaffChange, StaffMember
from bdtx.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Mã đơn vị", "Nhóm", "Cấp học"]


def write_csv(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_a_principal_finds_edits_and_imports_their_staff(page, cast, tmp_path):
    base = page.base_url

    page.goto(f"{base}/accounts/login/")
    page.shot("01-sign-in")
    page.fill("#id_username", "principal_a")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_be_visible()
    page.shot("02-home")

    page.goto(f"{base}/staff/")
    page.fill("#id_q", "nguyen thi hoa")
    page.locator("#id_q").press("Enter")
    result = page.locator("#rows a", has_text="Nguyễn Thị Hoà")
    expect(result).to_be_visible()
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    page.shot("03-search-without-diacritics")

    result.click()
    expect(page.locator("h1")).to_contain_text("Nguyễn Thị Hoà")
    page.shot("04-staff-detail")

    page.click(f"a[href='/staff/{cast.member_a.pk}/edit/']")
    page.fill("#id_phone", "09 12 34 56 78")
    page.fill("#id_subjects", "Toán, Tiếng Việt")
    page.shot("05-edit-form")
    page.click("main form button[type=submit]")
    expect(page.locator(".messages")).to_be_visible()
    page.shot("06-saved")
    member = StaffMember.objects.get(pk=cast.member_a.pk)
    assert member.phone == "0912345678"
    assert StaffChange.objects.filter(staff=member, action="updated", by=cast.principal_a).count() == 1

    rows = [
        ["GV-A-100", "Lò Thị Xuân", "12/03/1990", "Nữ", "012190000777", "TA", "Giáo viên", "Tiểu học"],
        ["GV-A-101", "Giàng A Páo", "28/02/1988", "Nam", "012088000888", "TA", "Giáo viên", "Tiểu học"],
        ["GV-A-102", "Tòng Văn Minh", "05/05/1985", "Nam", "012085000999", "TA", "Giáo viên", "Tiểu học"],
    ]
    wrong = [row.copy() for row in rows]
    wrong[1][2] = "31/02/1988"  # no such day
    wrong[2][5] = "TB"  # school B is not the principal's: an unknown unit for them
    bad = write_csv(tmp_path / "giao_vien_loi.csv", wrong)
    page.goto(f"{base}/imports/new/?kind=staff")
    page.set_input_files("#id_file", str(bad))
    page.click("main form button[type=submit]")
    errors = page.locator("table tbody tr")
    expect(errors).to_have_count(2)
    expect(page.locator("main")).to_contain_text("31/02/1988")
    expect(page.locator("main")).to_contain_text("“TB”")
    expect(page.locator("form[action$='/apply/']")).to_have_count(0)
    page.shot("07-import-errors")
    assert not StaffMember.objects.filter(code="GV-A-100").exists()  # nothing applied

    good = write_csv(tmp_path / "giao_vien_da_sua.csv", rows)
    page.goto(f"{base}/imports/new/?kind=staff")
    page.set_input_files("#id_file", str(good))
    page.click("main form button[type=submit]")
    apply_button = page.locator("form[action$='/apply/'] button[type=submit]")
    expect(apply_button).to_be_visible()
    page.shot("08-import-preview")
    apply_button.click()
    expect(page.locator("#status .badge")).to_have_text("Đã áp dụng")
    page.shot("09-import-applied")
    assert set(StaffMember.objects.filter(unit=cast.tree.school_a).values_list("code", flat=True)) == {
        "GV-A-001", "GV-A-100", "GV-A-101", "GV-A-102",
    }  # fmt: skip

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/staff/")
    expect(page.locator("#rows tbody tr")).to_have_count(4)
    page.shot("10-staff-list-on-a-phone")
