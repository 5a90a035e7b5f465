"""The public check at /verify/<code>: no sign-in, valid or revoked, and nothing more than the name, unit, school
year and result."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bdtx.results import certificates

from .scope_certificates import SIGNING, completed_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(cast):
    return certificates.issue(completed_result(cast.member_a), issuer=cast.tree.school_a, by=None, **SIGNING)


def test_the_qr_address_printed_on_the_certificate_opens_the_public_check_without_sign_in(client, certificate):
    text = PdfReader(io.BytesIO(certificates.render(certificate))).pages[0].extract_text()
    url = re.search(r"http\S+/verify/\S+", text).group(0)
    assert url == f"http://127.0.0.1:8000/verify/{certificate.code}"
    response = client.get(url.removeprefix("http://127.0.0.1:8000"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Giấy chứng nhận này CÒN HIỆU LỰC." in html
    for shown in ["Nguyễn Thị Hoà", "Trường Tiểu học Tân Phong", "2026-2027", "Hoàn thành kế hoạch BDTX"]:
        assert shown in html


def test_the_public_check_shows_nothing_more_than_it_must(client, cast, certificate):
    html = client.get(reverse("verify", args=[certificate.code])).content.decode()
    for hidden in ["05/09/1985", "1985", "GV-A-001", "012185000123", "Nội dung 01", "120", "Hiệu trưởng", "0001/"]:
        assert hidden not in html, hidden


def test_search_engines_are_asked_not_to_index_it(client, certificate):
    response = client.get(reverse("verify", args=[certificate.code]))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in response.content.decode()


def test_a_revoked_certificate_says_so_with_the_date_but_not_the_reason(client, cast, certificate):
    certificates.revoke(certificate, reason="Hồ sơ giả mạo", by=cast.principal_a)
    certificate.refresh_from_db()
    html = client.get(reverse("verify", args=[certificate.code])).content.decode()
    day = timezone.localtime(certificate.revoked_at).strftime("%d/%m/%Y")
    assert f"Giấy chứng nhận này ĐÃ BỊ THU HỒI ngày {day}." in html
    assert "Hồ sơ giả mạo" not in html and "CÒN HIỆU LỰC" not in html


def test_an_unknown_code_gets_a_friendly_404(client, db):
    response = client.get(reverse("verify", args=["khong-co-ma-nay"]))
    assert response.status_code == 404
    assert "Không có giấy chứng nhận nào mang mã này." in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_same_facts_come_as_json_when_asked(client, cast, certificate):
    response = client.get(reverse("verify", args=[certificate.code]), headers={"Accept": "application/json"})
    assert response.json() == {
        "found": True,
        "status": "valid",
        "revoked_on": None,
        "name": "Nguyễn Thị Hoà",
        "unit": "Trường Tiểu học Tân Phong",
        "school_year": "2026-2027",
        "result": "Hoàn thành kế hoạch BDTX",
    }
    missing = client.get(reverse("verify", args=["x"]), headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json() == {"found": False}
