"""The certificates API: the register in the caller's scope, one certificate with its text, its PDF."""

import io

import pytest
from pypdf import PdfReader

from bdtx.results import certificates
from bdtx.results.tests.scope_certificates import SIGNING, YEAR, completed_result

CERTIFICATES = "/api/v1/certificates/"


@pytest.fixture
def issued(cast):
    """member_a's certificate from school A (revoked, then reissued) and member_b's from school B."""
    first = certificates.issue(completed_result(cast.member_a), issuer=cast.tree.school_a, by=None, **SIGNING)
    second = certificates.reissue(first, by=cast.principal_a)
    other = certificates.issue(completed_result(cast.member_b), issuer=cast.tree.school_b, by=None, **SIGNING)
    first.refresh_from_db()
    return first, second, other


def test_a_principal_lists_the_certificates_of_their_school_only(api, cast, issued):
    first, second, _other = issued
    body = api(cast.principal_a).get(CERTIFICATES).json()
    assert [row["register_number"] for row in body["results"]] == ["0001/2026-2027", "0002/2026-2027"]
    row = body["results"][1]
    assert (row["status"], row["status_label"], row["replaces"], row["full_name"]) == (
        "valid",
        "Còn hiệu lực",
        first.pk,
        "Nguyễn Thị Hoà",
    )
    assert row["verify_url"] == f"http://127.0.0.1:8000/verify/{second.code}"
    assert row["pdf_url"].endswith(f"/api/v1/certificates/{second.pk}/pdf/")


def test_the_list_filters_by_year_unit_and_status(api, cast, issued):
    officer = api(cast.officer)
    assert officer.get(CERTIFICATES).json()["count"] == 3
    assert officer.get(CERTIFICATES, {"status": "revoked"}).json()["count"] == 1
    assert officer.get(CERTIFICATES, {"unit": "TB"}).json()["count"] == 1
    assert officer.get(CERTIFICATES, {"year": YEAR + 1}).json()["count"] == 0


def test_bad_filters_say_what_is_wrong(api, cast, issued):
    response = api(cast.officer).get(CERTIFICATES, {"status": "lost"})
    assert response.status_code == 400
    assert response.json() == {"status": ["“lost” không thuộc các giá trị: valid, revoked."]}
    assert api(cast.principal_a).get(CERTIFICATES, {"unit": "TB"}).status_code == 400


def test_one_certificate_comes_with_its_printed_text(api, cast, issued):
    _first, second, _other = issued
    body = api(cast.teacher_a).get(f"{CERTIFICATES}{second.pk}/").json()
    assert body["data"]["name"] == "Nguyễn Thị Hoà" and body["data"]["periods"] == 120
    assert body["data"]["lines"][0] == {"label": "Nội dung 01", "periods": 40}


def test_the_pdf_comes_as_a_pdf(api, cast, issued):
    _first, second, _other = issued
    response = api(cast.principal_a).get(f"{CERTIFICATES}{second.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "GIẤY CHỨNG NHẬN" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_an_outsider_gets_404_and_an_anonymous_caller_is_refused(api, cast, issued):
    _first, second, _other = issued
    outsider = api(cast.principal_b)
    assert outsider.get(f"{CERTIFICATES}{second.pk}/").status_code == 404
    assert outsider.get(f"{CERTIFICATES}{second.pk}/pdf/").status_code == 404
    assert outsider.get(CERTIFICATES).json()["count"] == 1  # school B's own
    assert api().get(CERTIFICATES).status_code == 401


def test_the_list_takes_a_bounded_number_of_queries(api, cast, issued, django_assert_max_num_queries):
    client = api(cast.officer)
    client.get(CERTIFICATES)
    with django_assert_max_num_queries(8):
        assert client.get(CERTIFICATES).json()["count"] == 3
