"""Two people correcting the same criterion, the same validity dates or the same programme of the year: the second
save is refused with a message saying someone else changed it, and the first person's values stay."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from bdtx.accounts.models import Role
from bdtx.rules import programmes as programme_services
from bdtx.rules import rulefiles, services
from bdtx.rules.models import Criterion, ProgrammeYear, Standard
from bdtx.rules.programme_views import current_school_year
from bdtx.testing import make_user

from .files import as_yaml, small_standard

pytestmark = pytest.mark.django_db


def admin_client(username: str, cast) -> Client:
    client = Client()
    client.force_login(make_user(username, role=Role.SYSTEM_ADMIN, unit=cast.tree.province))
    return client


def version_in(page: str, name: str = "version") -> str:
    return re.search(rf'name="{name}" value="(\d+)"', page).group(1)


def criterion_form(version: str, title: str, **values) -> dict:
    return {"version": version, "title": title, "dat": "", "kha": "", "tot": "", "note": "", **values}


def test_a_second_correction_of_a_criterion_is_refused_and_the_first_stays(cast, standards):
    first, second = admin_client("admin", cast), admin_client("admin_2", cast)
    url = reverse("standards:criterion-edit", args=["tt20-2018", 2])
    mine = version_in(first.get(url).content.decode())
    theirs = version_in(second.get(url).content.decode())
    assert first.post(url, criterion_form(mine, "Phong cách nhà giáo", confirmed="on")).status_code == 302
    response = second.post(url, criterion_form(theirs, "Phong cách làm việc", note="Theo bản dự thảo"))
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Tiêu chí 2 vừa được người khác sửa sau khi bạn mở trang này (trên hệ thống hoặc bằng tệp quy tắc). "
        "Hãy tải lại trang để xem nội dung hiện tại, rồi sửa lại."
    ) in page
    assert "Theo bản dự thảo" in page  # what they typed is still in the form
    criterion = Criterion.objects.get(standard__code="tt20-2018", number=2)
    assert (criterion.title, criterion.note, criterion.confirmed, criterion.version) == (
        "Phong cách nhà giáo",
        "",
        True,
        2,
    )
    again = version_in(second.get(url).content.decode())
    assert second.post(url, criterion_form(again, "Phong cách làm việc")).status_code == 302
    assert Criterion.objects.get(pk=criterion.pk).title == "Phong cách làm việc"


def rule_file(data: dict) -> rulefiles.RuleFile:
    return rulefiles.parse(as_yaml(data).encode(), "tt99_2030.yaml")


def test_a_rule_file_loaded_meanwhile_makes_an_open_correction_stale(cast, standards):
    client = admin_client("admin", cast)
    url = reverse("standards:criterion-edit", args=["tt99-2030", 1])
    services.load_rule_file(rule_file(small_standard()))
    version = version_in(client.get(url).content.decode())
    newer = small_standard(version=2)
    newer["criteria"][0]["title"] = "Tên mới theo thông tư sửa đổi"
    services.load_rule_file(rule_file(newer))
    response = client.post(url, criterion_form(version, "Tên sửa tay"))
    assert response.status_code == 409
    assert Criterion.objects.get(standard__code="tt99-2030", number=1).title == "Tên mới theo thông tư sửa đổi"


def test_a_second_change_of_the_validity_dates_is_refused_and_the_first_stays(cast, standards):
    first, second = admin_client("admin", cast), admin_client("admin_2", cast)
    url = reverse("standards:validity-edit", args=["tt20-2018"])
    mine = version_in(first.get(url).content.decode())
    theirs = version_in(second.get(url).content.decode())
    assert (
        first.post(url, {"version": mine, "valid_from": "10/10/2018", "valid_until": "31/08/2026"}).status_code == 302
    )
    response = second.post(url, {"version": theirs, "valid_from": "10/10/2018", "valid_until": "30/06/2027"})
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Thời gian áp dụng của tt20-2018 vừa được người khác sửa sau khi bạn mở trang này (trên hệ thống hoặc bằng "
        "tệp quy tắc). Hãy tải lại trang để xem ngày hiện tại, rồi sửa lại."
    ) in page
    assert 'value="30/06/2027"' in page
    standard = Standard.objects.get(code="tt20-2018")
    assert standard.valid_until.isoformat() == "2026-08-31" and standard.version == 2
    again = version_in(second.get(url).content.decode())
    assert second.post(url, {"version": again, "valid_from": "10/10/2018", "valid_until": ""}).status_code == 302
    assert Standard.objects.get(code="tt20-2018").valid_until is None


def split_form(version: str, year: int, first: int, second: int, note: str = "") -> dict:
    return {
        "programme": "tt17-2019",
        "year": year,
        "action": "save",
        "tt17-2019-version": version,
        "tt17-2019-content_01": first,
        "tt17-2019-content_02": second,
        "tt17-2019-note": note,
    }


def test_a_second_split_of_the_programme_of_the_year_is_refused_and_the_first_stays(cast, programmes):
    colleague = make_user("officer_2", role=Role.PROVINCE_OFFICER, unit=cast.tree.province)
    first, second = Client(), Client()
    first.force_login(cast.officer)
    second.force_login(colleague)
    year = current_school_year()
    url = reverse("programmes:year") + f"?year={year}"
    # Both open the page before any split is set (version 0), then both save one.
    mine = version_in(first.get(url).content.decode(), "tt17-2019-version")
    theirs = version_in(second.get(url).content.decode(), "tt17-2019-version")
    assert mine == theirs == "0"
    assert first.post(url, split_form(mine, year, 30, 50, "KH 45")).status_code == 302
    response = second.post(url, split_form(theirs, year, 50, 30, "KH 46"))
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        f"tt17-2019, năm học {year}-{year + 1}: số tiết vừa được người khác sửa sau khi bạn mở trang này. "
        "Hãy tải lại trang để xem số tiết hiện tại, rồi sửa lại."
    ) in page
    assert 'value="KH 46"' in page
    chosen = ProgrammeYear.objects.get()
    assert (chosen.periods, chosen.note, chosen.set_by, chosen.version) == (
        {"01": 30, "02": 50},
        "KH 45",
        cast.officer,
        1,
    )
    # A change over a stale version is refused too; reloaded, it goes through.
    assert second.post(url, split_form("0", year, 40, 40)).status_code == 409
    again = version_in(second.get(url).content.decode(), "tt17-2019-version")
    assert again == "1"
    assert second.post(url, split_form(again, year, 35, 45, "KH 47")).status_code == 302
    chosen.refresh_from_db()
    assert (chosen.periods, chosen.note, chosen.version) == ({"01": 35, "02": 45}, "KH 47", 2)
    assert second.post(url, split_form(again, year, 40, 40)).status_code == 409


def test_the_service_without_a_version_replaces_the_choice_as_before(cast, programmes):
    year = current_school_year()
    tt17 = programmes["tt17-2019"]
    kwargs = {"unit": cast.tree.province, "year": year, "programme": tt17, "note": "", "by": cast.officer}
    programme_services.set_programme_year(periods={"01": 30, "02": 50}, **kwargs)
    chosen = programme_services.set_programme_year(periods={"01": 20, "02": 60}, **kwargs)
    assert (chosen.periods, chosen.version) == ({"01": 20, "02": 60}, 2)
    with pytest.raises(programme_services.Stale):
        programme_services.set_programme_year(periods={"01": 40, "02": 40}, expected_version=1, **kwargs)
