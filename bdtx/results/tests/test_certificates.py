"""Certificates: who gets one, the register numbers, the PDF's Vietnamese text, revoking and reissuing, and the
pages that do it."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bdtx.conftest import SCREENSHOTS
from bdtx.results import certificates
from bdtx.results.certificates import CertificateError
from bdtx.results.models import Certificate
from bdtx.testing import make_staff

from . import scope_certificates
from .scope_certificates import SIGNING, YEAR, completed_result

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


@pytest.fixture
def nhung(cast):
    member = make_staff(cast.tree.school_a, "Nguyễn Thị Hồng Nhung", code="GV-A-002", birth_date=dt.date(1990, 3, 7))
    return completed_result(member)


def issue(result, issuer, **extra):
    return certificates.issue(result, issuer=issuer, by=None, **{**SIGNING, **extra})


def test_the_certificate_says_in_vietnamese_who_completed_what_and_renders_to_an_image(cast, nhung):
    certificate = issue(nhung, cast.tree.school_a, issued_on=dt.date(2027, 6, 5), signer_name="Lò Văn Minh")
    pdf = certificates.render(certificate)
    text = text_of(pdf)
    for expected in [
        "UBND PHƯỜNG TÂN PHONG",
        "TRƯỜNG TIỂU HỌC TÂN PHONG",
        "Số vào sổ: 0001/2026-2027",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY CHỨNG NHẬN",
        "Hoàn thành kế hoạch bồi dưỡng thường xuyên",
        "Năm học 2026-2027",
        "Bà: Nguyễn Thị Hồng Nhung",
        "Ngày sinh: 07/03/1990",
        "Đơn vị công tác: Trường Tiểu học Tân Phong",
        "- Nội dung 01: 40 tiết",
        "- GVPT 07 – Tư vấn và hỗ trợ học sinh trong hoạt động dạy học và giáo dục: 10 tiết",
        "Tổng số: 120 tiết.",
        "Kết quả: Hoàn thành kế hoạch BDTX",
        "Tân Phong, ngày 05 tháng 6 năm 2027",
        "HIỆU TRƯỞNG",
        "Lò Văn Minh",
        certificates.verify_url(certificate.code),
        "Quét mã QR để kiểm tra giấy chứng nhận",
    ]:
        assert expected in text, expected
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed: `make system` installs it")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    source = SCREENSHOTS / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(source), str(SCREENSHOTS / "certificate")],
                   check=True)  # fmt: skip
    source.unlink()
    assert (SCREENSHOTS / "certificate.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_text_is_frozen_at_issue_and_the_pdf_is_the_same_at_every_download(cast, nhung):
    certificate = issue(nhung, cast.tree.school_a)
    first = certificates.render(certificate)
    nhung.staff.full_name = "Nguyễn Thị Nhung"
    nhung.staff.save()
    certificate.refresh_from_db()
    assert certificates.render(certificate) == first
    assert certificate.data["name"] == "Nguyễn Thị Hồng Nhung" and certificate.data["birth_date"] == "07/03/1990"


def test_register_numbers_run_from_one_per_issuer_and_year(cast, nhung):
    hoa = completed_result(cast.member_a)
    assert issue(hoa, cast.tree.school_a).number == 1
    assert issue(nhung, cast.tree.commune).number == 1  # another issuer starts at 1 too
    assert issue(completed_result(cast.member_a, year=YEAR + 1), cast.tree.school_a).number == 1  # another year
    third = make_staff(cast.tree.school_a, "Lò Thị Mai", code="GV-A-003")
    certificate = issue(completed_result(third), cast.tree.school_a)
    assert certificate.register_number == f"0002/{YEAR}-{YEAR + 1}"


def test_only_a_recognised_completed_result_gets_a_certificate(cast):
    with pytest.raises(CertificateError, match="công nhận kết quả trước"):
        issue(completed_result(cast.member_a, recognised=False), cast.tree.school_a)
    with pytest.raises(CertificateError, match="Chỉ kết quả “Hoàn thành kế hoạch BDTX”"):
        issue(completed_result(cast.member_a, outcome="khong_hoan_thanh"), cast.tree.school_a)
    assert not Certificate.objects.exists()


def test_a_result_has_one_valid_certificate_from_a_unit_at_or_above_the_person(cast, nhung):
    issue(nhung, cast.tree.school_a)
    with pytest.raises(CertificateError, match="đã có giấy chứng nhận còn hiệu lực"):
        issue(nhung, cast.tree.province)
    with pytest.raises(CertificateError, match="đơn vị cấp trên"):
        issue(completed_result(cast.member_a), cast.tree.school_b)
    assert Certificate.objects.count() == 1


def test_revoking_needs_a_reason_and_keeps_who_and_when(cast, nhung):
    certificate = issue(nhung, cast.tree.school_a)
    with pytest.raises(CertificateError, match="lý do thu hồi"):
        certificates.revoke(certificate, reason="  ", by=cast.principal_a)
    certificates.revoke(certificate, reason="Ghi sai năm sinh", by=cast.principal_a)
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_reason, certificate.revoked_by) == (
        "revoked",
        "Ghi sai năm sinh",
        cast.principal_a,
    )
    with pytest.raises(CertificateError, match="đã bị thu hồi"):
        certificates.revoke(certificate, reason="Lần nữa", by=cast.principal_a)
    assert "ĐÃ THU HỒI" in text_of(certificates.render(certificate))


def test_reissuing_revokes_the_old_certificate_and_keeps_the_history(cast, nhung):
    old = issue(nhung, cast.tree.school_a)
    nhung.staff.full_name = "Nguyễn Thị Hồng Nhung Anh"
    nhung.staff.save()
    new = certificates.reissue(old, by=cast.principal_a, issued_on=dt.date(2027, 7, 1))
    old.refresh_from_db()
    assert (old.status, old.revoked_reason) == ("revoked", "cấp lại")
    assert (new.status, new.number, new.replaces, new.data["name"]) == ("valid", 2, old, "Nguyễn Thị Hồng Nhung Anh")
    assert new.data["place"] == "Tân Phong" and new.issued_on == dt.date(2027, 7, 1)
    assert certificates.history(new) == [old, new] == certificates.history(old)


def test_a_reissue_that_the_result_no_longer_allows_leaves_the_old_certificate_valid(cast, nhung):
    old = issue(nhung, cast.tree.school_a)
    nhung.recognised = False
    nhung.save()
    with pytest.raises(CertificateError):
        certificates.reissue(old, by=cast.principal_a)
    old.refresh_from_db()
    assert old.status == "valid" and Certificate.objects.count() == 1


# Pages --------------------------------------------------------------------------------------------------------


def test_a_principal_issues_a_certificate_from_a_result(client, cast, nhung):
    client.force_login(cast.principal_a)
    url = reverse("results:certificate-issue", args=[nhung.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Cấp giấy chứng nhận" in page.content.decode()
    assert [unit.pk for unit in page.context["form"].fields["issuer"].queryset] == [cast.tree.school_a.pk]
    response = client.post(
        url,
        {"issuer": cast.tree.school_a.pk, "place": "Tân Phong", "issued_on": "05/06/2027",
         "signer_title": "Hiệu trưởng", "signer_name": "Lò Văn Minh"},
    )  # fmt: skip
    certificate = Certificate.objects.get()
    assert response.url == reverse("results:certificate", args=[certificate.pk])
    assert (certificate.issued_on, certificate.issued_by, certificate.data["signer_name"]) == (
        dt.date(2027, 6, 5),
        cast.principal_a,
        "Lò Văn Minh",
    )
    again = client.get(url).content.decode()
    assert "đã có giấy chứng nhận còn hiệu lực" in again


def test_the_commune_officer_may_issue_from_the_commune_or_the_school(client, cast, nhung):
    client.force_login(cast.local)
    form = client.get(reverse("results:certificate-issue", args=[nhung.pk])).context["form"]
    assert [unit.pk for unit in form.fields["issuer"].queryset] == [cast.tree.commune.pk, cast.tree.school_a.pk]


def test_the_issue_form_says_which_field_is_missing(client, cast, nhung):
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("results:certificate-issue", args=[nhung.pk]),
        {"issuer": cast.tree.province.pk, "place": "", "issued_on": "31/02/2027", "signer_title": ""},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["place"] == ["Trường này là bắt buộc."] and errors["signer_title"] == ["Trường này là bắt buộc."]
    assert errors["issued_on"] == ["Nhập một ngày hợp lệ."] and "issuer" in errors
    assert not Certificate.objects.exists()


def test_a_teacher_may_not_issue_their_own_certificate(client, cast):
    result = completed_result(cast.member_a)
    client.force_login(cast.teacher_a)
    assert client.get(reverse("results:certificate-issue", args=[result.pk])).status_code == 403


def test_the_unit_register_lists_its_certificates_in_a_bounded_number_of_queries(
    client, cast, django_assert_max_num_queries
):
    for index in range(12):
        member = make_staff(cast.tree.school_a, f"Phạm Văn Nam {index}", code=f"GV-A-1{index:02d}")
        issue(completed_result(member), cast.tree.school_a)
    waiting = make_staff(cast.tree.school_a, "Đỗ Thị Lan", code="GV-A-200")
    completed_result(waiting)
    client.force_login(cast.principal_a)
    url = reverse("results:certificates", args=[cast.tree.school_a.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"year": YEAR})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("/pdf/") == 12 and "0012/2026-2027" in html
    assert "Đỗ Thị Lan" in html and reverse("results:certificate-issue", args=[waiting.bdtx_results.get().pk]) in html
    assert client.get(url, {"year": YEAR, "q": "nam 3"}).content.decode().count("/pdf/") == 1
    assert client.get(url, {"year": YEAR, "status": "revoked"}).content.decode().count("/pdf/") == 0


def test_revoking_from_the_page_asks_for_a_reason(client, cast, nhung):
    certificate = issue(nhung, cast.tree.school_a)
    client.force_login(cast.principal_a)
    url = reverse("results:certificate-revoke", args=[certificate.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Trường này là bắt buộc." in response.content.decode()
    response = client.post(url, {"reason": "Cấp nhầm người"})
    assert response.url == reverse("results:certificate", args=[certificate.pk])
    page = client.get(response.url).content.decode()
    assert "Đã thu hồi" in page and "Cấp nhầm người" in page


def test_reissuing_from_the_page_shows_the_history_on_the_new_certificate(client, cast, nhung):
    old = issue(nhung, cast.tree.school_a)
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("results:certificate-reissue", args=[old.pk]),
        {"reissue-place": "Tân Phong", "reissue-issued_on": "01/07/2027", "reissue-signer_title": "Hiệu trưởng"},
    )
    new = Certificate.objects.get(status="valid")
    assert response.url == reverse("results:certificate", args=[new.pk])
    page = client.get(response.url).content.decode()
    assert "0001/2026-2027" in page and "0002/2026-2027" in page and "cấp lại" in page


def test_only_the_managers_of_the_issuing_unit_revoke(client, cast, nhung):
    certificate = issue(nhung, cast.tree.commune)
    client.force_login(cast.principal_a)  # sees the certificate of their teacher, did not issue it
    assert client.get(reverse("results:certificate", args=[certificate.pk])).status_code == 200
    assert client.post(reverse("results:certificate-revoke", args=[certificate.pk]), {"reason": "x"}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_the_person_sees_and_downloads_their_own_certificates(client, cast):
    certificate = issue(completed_result(cast.member_a), cast.tree.school_a)
    client.force_login(cast.teacher_a)
    page = client.get(reverse("results:my-certificates")).content.decode()
    assert "Giấy chứng nhận của tôi" in page and certificate.register_number in page
    response = client.get(reverse("results:certificate-pdf", args=[certificate.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="0001-nguyen-thi-hoa.pdf"'
    assert "Nguyễn Thị Hoà" in text_of(response.content)


def test_someone_without_a_certificate_is_told_how_one_comes(client, cast):
    client.force_login(cast.principal_b)
    assert "Bạn chưa có giấy chứng nhận nào" in client.get(reverse("results:my-certificates")).content.decode()


def test_an_outsider_gets_404_on_every_certificate_page_and_endpoint(client, cast):
    records = scope_certificates.records(cast)
    client.force_login(cast.principal_b)
    for name, pk in records.items():
        url = reverse(name, kwargs={"pk": pk})
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), f"{method} {name} → {response.status_code}"
            if method == "get" and not name.endswith(("revoke", "reissue", "rerun")):
                assert response.status_code == 404, name


def test_a_reissue_the_result_no_longer_allows_says_why_on_the_page(client, cast, nhung):
    old = issue(nhung, cast.tree.school_a)
    nhung.recognised = False
    nhung.save()
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("results:certificate-reissue", args=[old.pk]),
        {"reissue-place": "Tân Phong", "reissue-issued_on": "01/07/2027", "reissue-signer_title": "Hiệu trưởng"},
        follow=True,
    )
    assert "Hãy công nhận kết quả trước" in response.content.decode()
    old.refresh_from_db()
    assert old.status == "valid"


def test_a_slash_in_the_signers_title_starts_a_new_line(cast, nhung):
    certificate = issue(nhung, cast.tree.province, signer_title="KT. Giám đốc / Phó Giám đốc", place="Lai Châu")
    lines = PdfReader(io.BytesIO(certificates.render(certificate))).pages[0].extract_text().splitlines()
    assert "KT. GIÁM ĐỐC" in lines and "PHÓ GIÁM ĐỐC" in lines
    assert "SỞ GIÁO DỤC VÀ ĐÀO TẠO LAI CHÂU" in lines  # the Sở has no parent unit: one line
