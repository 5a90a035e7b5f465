"""Delivery to certificate in a real browser (Debian's Chromium through Playwright): the presenter of a class takes
attendance of today's session, opens QR check-in and enters the test scores → the teacher sees her year completed,
120/120 periods → the principal recognises the result and issues the certificate → anyone checks it at the QR
address, on a computer and on a phone. Screenshots of every step are kept under var/screenshots/ for review."""

import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from bdtx.accounts.models import Role
from bdtx.catalog.models import TrainingModule
from bdtx.conftest import SCREENSHOTS
from bdtx.delivery import attendance, scoring, services
from bdtx.delivery.models import Enrolment, Outcome, Trainer
from bdtx.results.models import Certificate, YearResult
from bdtx.testing import enrol, make_class, make_staff, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2027


def finished_class(commune, member, *, code, content, title, by):
    """A class of 40 periods that member attended and passed (9 on its test), closed."""
    training_class = make_class(
        commune, year=YEAR, code=code, content=content, title=title, periods=40, sessions=1, by=by
    )
    (enrolment,) = enrol(training_class, member)
    attendance.save_sheet(training_class.sessions.get(), {enrolment.pk: attendance.PRESENT}, by=by)
    scoring.save_scores(training_class, {(enrolment.pk, training_class.assessments.get().pk): Decimal("9")}, by=by)
    services.close_class(training_class, by=by)


def open_fresh(browser, base_url, path, **options):
    """A page in a new browser context: nobody is signed in."""
    context = browser.new_context(locale="vi-VN", **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base_url + path)
    return context, page


def test_a_presenter_takes_attendance_and_scores_the_principal_certifies_and_anyone_verifies_it(
    page, browser, cast, approved_plan
):
    commune = cast.tree.commune
    finished_class(
        commune,
        cast.member_a,
        code="ND01-TP",
        content="01",
        title="Dạy học lớp 5 theo Chương trình GDPT 2018",
        by=cast.local,
    )
    finished_class(
        commune, cast.member_a, code="ND02-TP", content="02", title="Giáo dục địa phương tỉnh Lai Châu", by=cast.local
    )
    training_class = make_class(
        commune,
        year=YEAR,
        code="GVPT-TP",
        title="Tư vấn, hỗ trợ học sinh và đổi mới kiểm tra, đánh giá",
        content="03",
        modules=TrainingModule.objects.filter(code__in=["GVPT 04", "GVPT 05", "GVPT 06", "GVPT 07"]),
        periods=40,
        sessions=1,
        first_day=timezone.localdate(),
        tests=1,
        by=cast.local,
    )
    presenter = make_user("bcv.giang", role=Role.TRAINER, unit=commune)
    training_class.trainers.add(Trainer.objects.create(unit=commune, user=presenter, full_name="Phạm Văn Giảng"))
    binh = make_staff(cast.tree.school_a, "Lê Thị Bình", code="GV-A-002")
    an = make_staff(cast.tree.school_a, "Trần Văn An", code="GV-A-003")
    hoa_e, binh_e, an_e = enrol(training_class, cast.member_a, binh, an)
    session = training_class.sessions.get()

    # The presenter: from the list of classes to the class page, then today's attendance sheet.
    page.sign_in("bcv.giang", "/classes/")
    page.get_by_role("link", name="GVPT-TP").click()
    expect(page.locator("h1")).to_contain_text("GVPT-TP")
    page.locator("#sessions ~ .table-wrap").get_by_role("link", name="Bảng điểm danh").click()
    expect(page.locator("h1")).to_contain_text("Bảng điểm danh")
    expect(page.locator("main form.attendance-sheet tbody tr")).to_have_count(3)
    page.locator("tr", has_text="Lê Thị Bình").get_by_role("radio", name="Vắng", exact=True).check()
    page.get_by_role("button", name="Lưu điểm danh").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu điểm danh ngày")
    expect(page.locator("tr", has_text="Lê Thị Bình").get_by_role("radio", name="Vắng", exact=True)).to_be_checked()
    page.shot("delivery-01-attendance")
    marks = {row.enrolment_id: row.present for row in session.attendance.all()}
    assert marks == {hoa_e.pk: True, binh_e.pk: False, an_e.pk: True}

    # QR check-in of the session: opened, it shows a QR code (SVG) and the code to read out.
    page.get_by_role("link", name="Điểm danh bằng mã QR").click()
    page.get_by_role("button", name="Mở điểm danh").click()
    expect(page.locator(".messages")).to_contain_text("Đã mở điểm danh")
    expect(page.locator(".qr-box svg")).to_be_visible()
    expect(page.locator(".checkin-code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    page.shot("delivery-02-qr")

    # The score sheet: 8,5 for her, 7 for the absent colleague, 4,5 for the other; the outcomes follow.
    page.goto(f"{page.base_url}/classes/{training_class.pk}/")
    page.get_by_role("link", name="Bảng điểm", exact=True).click()
    test = training_class.assessments.get()
    page.fill(f"input[name=s-{hoa_e.pk}-{test.pk}]", "8,5")
    page.fill(f"input[name=s-{binh_e.pk}-{test.pk}]", "7")
    page.fill(f"input[name=s-{an_e.pk}-{test.pk}]", "4,5")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu 3 điểm")
    expect(page.locator("tr", has_text="Nguyễn Thị Hoà").locator(".badge")).to_have_text("Đạt")
    expect(page.locator("tr", has_text="Lê Thị Bình").locator(".badge")).to_have_text("Không đạt")
    expect(page.locator("tr", has_text="Trần Văn An").locator(".badge")).to_have_text("Không đạt")
    page.shot("delivery-03-scores")
    outcomes = dict(Enrolment.objects.filter(training_class=training_class).values_list("staff_id", "outcome"))
    assert outcomes == {cast.member_a.pk: Outcome.PASSED, binh.pk: Outcome.FAILED, an.pk: Outcome.FAILED}

    # The teacher: her year is complete, 120 of 120 periods.
    page.sign_in("teacher_a", f"/results/mine/?year={YEAR}")
    expect(page.locator("h1")).to_contain_text("Nguyễn Thị Hoà")
    expect(page.locator(".cards")).to_contain_text("Hoàn thành kế hoạch BDTX")
    expect(page.locator(".cards")).to_contain_text("120/120")
    expect(page.locator("table tbody tr", has_text="GVPT 07")).to_contain_text("GVPT-TP")
    page.shot("delivery-04-result")

    # The principal recognises it among the school's results, then issues the certificate from the result page.
    page.sign_in("principal_a", f"/results/units/{cast.tree.school_a.pk}/?year={YEAR}")
    page.get_by_role("checkbox", name="Nguyễn Thị Hoà").check()
    page.get_by_role("button", name="Công nhận các kết quả đã đánh dấu").click()
    expect(page.locator(".messages")).to_contain_text("Đã công nhận và khoá 1 kết quả")
    expect(page.locator("tr", has_text="Nguyễn Thị Hoà")).to_contain_text("Đã công nhận")
    page.shot("delivery-05-recognised")
    result = YearResult.objects.get(staff=cast.member_a, year=YEAR)
    assert result.recognised and result.recognised_by == cast.principal_a

    page.get_by_role("link", name="Nguyễn Thị Hoà").click()
    page.get_by_role("link", name="Cấp giấy chứng nhận").click()
    page.fill("#id_place", "Lai Châu")
    page.fill("#id_signer_title", "HIỆU TRƯỞNG")
    page.get_by_role("button", name="Cấp giấy chứng nhận").click()
    expect(page.locator(".messages")).to_contain_text("Đã cấp giấy chứng nhận")
    expect(page.locator("dl.facts")).to_contain_text("HIỆU TRƯỞNG")
    expect(page.locator("dl.facts")).to_contain_text("05/09/1985")  # her birth date: here, not on the public check
    page.shot("delivery-06-certificate")
    certificate = Certificate.objects.get(result=result, status=Certificate.Status.VALID)
    assert (certificate.data["place"], certificate.data["signer_title"]) == ("Lai Châu", "HIỆU TRƯỞNG")

    # The PDF, as downloaded from the certificate page.
    download = page.get_by_role("link", name="Tải tệp PDF").get_attribute("href")
    response = page.request.get(page.base_url + download)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.body())).pages[0].extract_text().split())
    for expected in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Nguyễn Thị Hoà", "Hoàn thành kế hoạch BDTX"]:
        assert expected in text, expected

    # Anyone, signed out, at the QR address shown on the certificate page; on a computer, then on a phone.
    verify_path = urlsplit(page.locator("dl.facts a[href*='/verify/']").get_attribute("href")).path
    assert verify_path == f"/verify/{certificate.code}"
    for name, options in [
        ("delivery-07-verify", {"viewport": {"width": 1280, "height": 900}}),
        ("delivery-08-verify-phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}),
    ]:
        context, visitor = open_fresh(browser, page.base_url, verify_path, **options)
        try:
            main = visitor.locator("main")
            expect(visitor.locator(".verdict")).to_contain_text("CÒN HIỆU LỰC")
            expect(visitor.locator(".verdict")).to_have_css("font-size", "25.6px")  # styled: the CSP allows the sheet
            for fact in ["Nguyễn Thị Hoà", "Trường Tiểu học Tân Phong", "2027-2028", "Hoàn thành kế hoạch BDTX"]:
                expect(main).to_contain_text(fact)
            expect(main).not_to_contain_text("05/09/1985")
            expect(main).not_to_contain_text("Ngày sinh")
            visitor.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            if options.get("is_mobile"):
                width = visitor.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"the verification page scrolls sideways on a phone ({width}px)"
        finally:
            context.close()
