import io
import json

import openpyxl
from django.urls import reverse

from bdtx.appraisals.services import save_self_assessment, start_appraisal
from bdtx.privacy.models import AccessLog
from bdtx.testing import make_cycle

MINE = reverse("privacy:mine")
JSON = reverse("privacy:mine-json")
XLSX = reverse("privacy:mine-xlsx")


def test_the_page_offers_the_downloads(client, cast):
    client.force_login(cast.teacher_a)
    body = client.get(MINE).content.decode()
    assert "Dữ liệu của tôi" in body and JSON in body and XLSX in body


def test_my_data_holds_my_record_and_my_appraisal_and_nobody_elses(client, cast, standards):
    cast.member_a.phone = "0912345678"
    cast.member_a.save(update_fields=["phone"])
    appraisal = start_appraisal(make_cycle(cast.tree.commune, by=cast.local), cast.member_a)
    save_self_assessment(appraisal, by=cast.teacher_a, levels={"1": "kha", "2": "tot"}, strengths="Dạy tốt")
    client.force_login(cast.teacher_a)

    response = client.get(JSON, REMOTE_ADDR="10.0.0.7")

    assert response["Content-Disposition"].startswith('attachment; filename="du-lieu-ca-nhan-GV-A-001-')
    data = json.loads(response.content)
    record = data["record"][0]
    assert (record["code"], record["citizen_id"], record["birth_date"], record["phone"]) == (
        "GV-A-001",
        "012185000123",
        "1985-09-05",
        "0912345678",
    )
    assert data["account"][0]["username"] == "teacher_a"
    [mine] = data["appraisals"]
    assert mine["self_levels"] == {"1": "kha", "2": "tot"} and mine["strengths"] == "Dạy tốt"
    text = response.content.decode()
    assert "Trần Văn Đức" not in text and "012085000456" not in text
    entry = AccessLog.objects.get()
    assert (entry.kind, entry.what, entry.staff, entry.ip_address) == (
        "own_data",
        "privacy:mine-json",
        cast.member_a,
        "10.0.0.7",
    )


def test_my_data_as_excel_has_a_sheet_per_section(client, cast):
    client.force_login(cast.teacher_a)
    response = client.get(XLSX)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:3] == ["Hồ sơ", "Tài khoản", "Quá trình công tác"]
    header, row = list(book["Hồ sơ"].values)[:2]
    values = dict(zip(header, row, strict=True))
    assert values["Họ và tên"] == "Nguyễn Thị Hoà" and values["Số CCCD"] == "012185000123"
    assert AccessLog.objects.get().what == "privacy:mine-xlsx"


def test_someone_without_a_staff_record_has_no_data_page(client, cast):
    client.force_login(cast.officer)
    for url in (MINE, JSON, XLSX):
        assert client.get(url).status_code == 404


def test_an_anonymous_visitor_is_asked_to_sign_in(client, db):
    for url in (MINE, JSON, XLSX):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_menu_links_my_data_for_a_person_with_a_record_and_the_log_for_the_administrator(client, cast, admin):
    client.force_login(cast.teacher_a)
    body = client.get(reverse("staff:detail", args=[cast.member_a.pk])).content.decode()
    assert MINE in body and reverse("privacy:log") not in body
    client.force_login(admin)
    assert reverse("privacy:log") in client.get(reverse("home")).content.decode()
