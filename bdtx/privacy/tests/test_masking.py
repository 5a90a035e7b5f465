"""Who sees a citizen ID, birth date and phone in full (docs/privacy.md): the person, system administrators,
province officers and the principal of the person's school; a commune officer and everyone else see them masked."""

import io

import openpyxl
import pytest
from django.urls import reverse

from bdtx.privacy.services import (
    can_see_personal,
    full_data_filter,
    mask_birth_date,
    mask_citizen_id,
    mask_phone,
    masked,
)
from bdtx.staff.models import ExportJob, StaffMember
from bdtx.staff.validation import COLUMNS, validate_row
from bdtx.testing import make_staff

FULL = {"citizen_id": "012185000123", "birth_date": "05/09/1985", "phone": "0912345678"}
MASKED = {"citizen_id": "012*******23", "birth_date": "**/**/1985", "phone": "09******78"}


@pytest.fixture
def member_a(cast):
    cast.member_a.phone = "0912345678"
    cast.member_a.save(update_fields=["phone"])
    return cast.member_a


def test_the_masks_keep_the_ends_and_the_year():
    assert mask_citizen_id("012185000123") == "012*******23"
    assert mask_phone("0912345678") == "09******78"
    assert mask_birth_date(__import__("datetime").date(1985, 9, 5)) == "**/**/1985"
    assert masked("citizen_id", None) == "" and masked("phone", "") == "" and masked("birth_date", None) == ""
    assert mask_phone("123") == "***"


@pytest.mark.parametrize(
    ("viewer", "full"),
    [
        ("teacher_a", True),  # the person themself
        ("admin", True),  # the system administrator
        ("officer", True),  # a province officer
        ("principal_a", True),  # the principal of the person's school
        ("local", False),  # the commune officer above the school
    ],
)
def test_the_role_table_decides_who_sees_member_a_in_full(cast, admin, member_a, viewer, full):
    user = admin if viewer == "admin" else getattr(cast, viewer)
    assert can_see_personal(user, member_a) is full
    # The database filter gives the same answer as the Python rule.
    assert StaffMember.objects.filter(full_data_filter(user), pk=member_a.pk).exists() is full


def test_another_teacher_and_an_anonymous_visitor_would_see_member_a_masked(cast, member_a):
    from bdtx.accounts.models import Role
    from bdtx.testing import make_user

    colleague = make_user("colleague", role=Role.TEACHER, unit=cast.tree.school_a)
    assert can_see_personal(colleague, member_a) is False
    from django.contrib.auth.models import AnonymousUser

    assert can_see_personal(AnonymousUser(), member_a) is False


def test_a_principal_sees_the_people_of_another_school_masked_if_they_could_see_them(cast):
    assert can_see_personal(cast.principal_b, cast.member_a) is False


@pytest.mark.parametrize(("viewer", "expected"), [("principal_a", FULL), ("teacher_a", FULL), ("local", MASKED)])
def test_the_detail_page_shows_full_or_masked_data_by_role(client, cast, member_a, viewer, expected):
    client.force_login(getattr(cast, viewer))
    body = client.get(reverse("staff:detail", args=[member_a.pk])).content.decode()
    for value in expected.values():
        assert value in body
    if expected is MASKED:
        assert FULL["citizen_id"] not in body and FULL["phone"] not in body and FULL["birth_date"] not in body
        assert "được che một phần" in body


def test_the_staff_list_masks_birth_dates_for_a_commune_officer(client, cast):
    client.force_login(cast.local)
    body = client.get(reverse("staff:list")).content.decode()
    assert "**/**/1985" in body and "05/09/1985" not in body
    client.force_login(cast.officer)
    assert "05/09/1985" in client.get(reverse("staff:list")).content.decode()


def test_the_staff_list_stays_within_its_query_bound_with_masking(client, cast, django_assert_max_num_queries):
    for number in range(30):
        make_staff(cast.tree.school_a, f"Người Thứ {chr(65 + number % 26)}", code=f"M{number:03d}")
    client.force_login(cast.local)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("staff:list"))
    assert response.content.decode().count("**/**/1985") == 31


@pytest.mark.parametrize(("viewer", "expected"), [("officer", FULL), ("teacher_a", FULL), ("local", MASKED)])
def test_the_api_masks_the_same_way(api, cast, member_a, viewer, expected):
    body = api(getattr(cast, viewer)).get(f"/api/v1/staff/{member_a.pk}/").json()
    assert body["citizen_id"] == expected["citizen_id"] and body["phone"] == expected["phone"]
    assert body["birth_date"] == ("1985-09-05" if expected is FULL else "**/**/1985")
    assert body["personal_data_masked"] is (expected is MASKED)


def test_the_api_list_masks_the_same_way(api, cast, member_a):
    rows = api(cast.local).get("/api/v1/staff/").json()["results"]
    assert [(row["code"], row["citizen_id"], row["phone"]) for row in rows] == [
        ("GV-A-001", "012*******23", "09******78")
    ]


def test_a_masked_caller_cannot_write_the_masked_birth_date_back(api, cast, member_a):
    client = api(cast.local)
    record = client.get(f"/api/v1/staff/{member_a.pk}/").json()
    response = client.put(f"/api/v1/staff/{member_a.pk}/", record)
    assert response.status_code == 400
    member_a.refresh_from_db()
    assert member_a.citizen_id == "012185000123"


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_masks_the_columns_for_a_commune_officer_and_says_so(client, cast, member_a):
    client.force_login(cast.local)
    response = client.get(reverse("staff:export"))
    assert "-da-che.xlsx" in response["Content-Disposition"]
    book = workbook(response)
    sheet = book.active
    assert sheet.title == "CBGV (che CCCD, ngày sinh, SĐT)"
    header, row = [list(r) for r in sheet.iter_rows(values_only=True)]
    values = dict(zip(header, row, strict=True))
    assert (values["Số CCCD"], values["Ngày sinh"], values["Điện thoại"]) == (
        "012*******23",
        "**/**/1985",
        "09******78",
    )
    # Brought back through the import as is, the masked cells are refused rather than written over the real ones.
    _, errors = validate_row({c.field: cell for c, cell in zip(COLUMNS, row, strict=True)})
    assert {header for header, _message in errors} >= {"Số CCCD", "Ngày sinh", "Điện thoại"}


def test_the_export_is_full_for_a_principal(client, cast, member_a):
    client.force_login(cast.principal_a)
    response = client.get(reverse("staff:export"))
    assert "-da-che" not in response["Content-Disposition"]
    sheet = workbook(response).active
    assert sheet.title == "Cán bộ, giáo viên"
    header, row = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert dict(zip(header, row, strict=True))["Số CCCD"] == "012185000123"


def test_a_background_export_masks_for_a_commune_officer_too(client, cast, member_a, settings):
    settings.EXPORT_INLINE_ROWS = 0
    client.force_login(cast.local)
    response = client.get(reverse("staff:export"))
    job = ExportJob.objects.get()
    assert response.url == reverse("staff:export-detail", args=[job.pk]) and job.status == "done"
    download = client.get(reverse("staff:export-download", args=[job.pk]))
    assert "-da-che.xlsx" in download["Content-Disposition"]
    rows = list(workbook(download).active.iter_rows(values_only=True))
    assert rows[1][4] == "012*******23"
