import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from bdtx.accounts.models import User
from bdtx.staff.forms import initial_from
from bdtx.staff.models import Assignment, StaffChange, StaffMember, Status
from bdtx.testing import PASSWORD, make_staff, make_unit

LIST = reverse("staff:list")


def names(response):
    return [m.full_name for m in response.context["page"].object_list]


def test_a_principal_sees_the_people_of_their_school(client, cast):
    client.force_login(cast.principal_a)
    response = client.get(LIST)
    assert response.status_code == 200
    assert names(response) == ["Nguyễn Thị Hoà"]
    assert "05/09/1985" in response.content.decode()


def test_a_province_officer_sees_everyone_and_a_local_officer_only_the_commune(client, cast):
    client.force_login(cast.officer)
    assert sorted(names(client.get(LIST))) == ["Nguyễn Thị Hoà", "Trần Văn Đức"]
    client.force_login(cast.local)
    assert names(client.get(LIST)) == ["Nguyễn Thị Hoà"]


def test_a_teacher_reaching_the_list_sees_only_themself(client, cast):
    client.force_login(cast.teacher_a)
    response = client.get(LIST)
    assert response.context["page"].paginator.count == 1
    assert names(response) == ["Nguyễn Thị Hoà"]


@pytest.mark.parametrize("query", ["nguyen thi hoa", "hòa", "Hoa\u0300", "HOÀ", "GV-A-001", "012185000123"])
def test_search_finds_a_person_without_diacritics_and_in_either_unicode_form(client, cast, query):
    client.force_login(cast.officer)
    assert names(client.get(LIST, {"q": query})) == ["Nguyễn Thị Hoà"]


def test_the_list_is_sorted_the_vietnamese_way_by_given_name(client, cast):
    school = cast.tree.school_a
    for name in ["Lê Văn Dũng", "Phạm Thị Anh", "Trần Văn Đạt", "Vũ Minh Em", "Đỗ Thị Ánh"]:
        make_staff(school, name)
    client.force_login(cast.principal_a)
    assert names(client.get(LIST)) == [
        "Phạm Thị Anh",
        "Đỗ Thị Ánh",
        "Lê Văn Dũng",
        "Trần Văn Đạt",
        "Vũ Minh Em",
        "Nguyễn Thị Hoà",
    ]


def test_the_filters_narrow_the_list(client, cast):
    school = cast.tree.school_a
    make_staff(school, "Lê Văn Toán", subjects="Toán, Tin học", levels="thcs", group="manager")
    make_staff(school, "Phạm Thị Văn", subjects="Ngữ văn", levels="tieu_hoc", status=Status.RETIRED)
    client.force_login(cast.officer)
    assert names(client.get(LIST, {"subject": "toan"})) == ["Lê Văn Toán"]
    assert names(client.get(LIST, {"subject": "TIN HOC"})) == ["Lê Văn Toán"]
    assert names(client.get(LIST, {"level": "thcs"})) == ["Lê Văn Toán"]
    assert names(client.get(LIST, {"group": "manager"})) == ["Lê Văn Toán"]
    assert names(client.get(LIST, {"status": "retired"})) == ["Phạm Thị Văn"]
    assert len(names(client.get(LIST, {"status": "all"}))) == 4
    assert sorted(names(client.get(LIST, {"unit": "TB"}))) == ["Trần Văn Đức"]
    assert len(names(client.get(LIST, {"unit": "PA"}))) == 2  # the commune's subtree, working people


def test_a_unit_outside_the_scope_is_a_clear_filter_error_not_a_leak(client, cast):
    client.force_login(cast.principal_b)
    response = client.get(LIST, {"unit": "TA"})
    assert response.status_code == 200
    assert "Không có đơn vị nào có mã “TA” trong các đơn vị của bạn" in response.content.decode()
    assert names(response) == ["Trần Văn Đức"]


def test_htmx_gets_only_the_rows(client, cast):
    client.force_login(cast.officer)
    response = client.get(LIST, {"q": "hoa"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="rows">')
    assert "<form" not in body and "Nguyễn Thị Hoà" in body


def test_the_list_takes_a_bounded_number_of_queries_whatever_the_page_size(client, cast, django_assert_max_num_queries):
    for i in range(60):
        make_staff(cast.tree.school_a, f"Người Thứ {chr(65 + i % 26)}", code=f"X{i:03d}")
    client.force_login(cast.officer)
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"q": "nguoi", "page": "2"})
    assert len(response.context["page"].object_list) == 10
    with django_assert_max_num_queries(9):
        client.get(LIST, {"unit": "TA"}, headers={"HX-Request": "true"})


# --- detail -------------------------------------------------------------------------------------------


def test_the_detail_shows_the_facts_history_and_audit_trail_to_a_manager(client, cast):
    client.force_login(cast.principal_a)
    response = client.get(reverse("staff:detail", args=[cast.member_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "012185000123" in body and "05/09/1985" in body
    assert "teacher_a" in body  # the account's username
    assert reverse("accounts:reset-password", args=[cast.teacher_a.pk]) in body
    assert len(response.context["changes"]) == 1


def test_a_teacher_sees_their_own_personal_data_but_no_management_actions(client, cast):
    client.force_login(cast.teacher_a)
    response = client.get(reverse("staff:detail", args=[cast.member_a.pk]))
    body = response.content.decode()
    assert "012185000123" in body
    assert reverse("staff:edit", args=[cast.member_a.pk]) not in body
    assert reverse("accounts:reset-password", args=[cast.teacher_a.pk]) not in body


@pytest.mark.parametrize("name", ["staff:detail", "staff:edit", "staff:transfer"])
def test_an_outsider_gets_404_on_another_schools_person(client, cast, name):
    client.force_login(cast.principal_b)
    assert client.get(reverse(name, args=[cast.member_a.pk])).status_code == 404


def test_a_teacher_gets_404_on_someone_elses_record_and_cannot_edit_their_own(client, cast):
    client.force_login(cast.teacher_a)
    assert client.get(reverse("staff:detail", args=[cast.member_b.pk])).status_code == 404
    assert client.get(reverse("staff:edit", args=[cast.member_b.pk])).status_code == 404
    # Teachers read their record; changes go through their principal.
    assert client.get(reverse("staff:edit", args=[cast.member_a.pk])).status_code == 403


# --- create, edit, transfer ------------------------------------------------------------------------------


def form_data(member=None, **changes):
    data = {
        "code": "GV-A-002", "full_name": "Lê Thị Mai", "birth_date": "12/03/1990", "gender": "nu",
        "citizen_id": "", "ethnicity": "Kinh", "position": "Giáo viên", "group": "teacher", "levels": ["tieu_hoc"],
        "subjects": "Toán", "qualification": "dai_hoc", "professional_title": "", "phone": "0912 345 678",
        "email": "", "joined_on": "01/09/2012", "status": "working", "unit": "TA",
    }  # fmt: skip
    if member is not None:  # the form as the edit page fills it
        data = {k: v for k, v in initial_from(member).items() if v is not None and v is not False}
    data.update(changes)
    return data


def test_a_principal_adds_a_person_through_the_form(client, cast):
    client.force_login(cast.principal_a)
    response = client.post(reverse("staff:create"), form_data())
    member = StaffMember.objects.get(code="GV-A-002")
    assert response.status_code == 302 and response.url == reverse("staff:detail", args=[member.pk])
    assert (member.unit, member.birth_date, member.phone, member.levels) == (
        cast.tree.school_a,
        dt.date(1990, 3, 12),
        "0912345678",
        "tieu_hoc",
    )
    assert member.assignments.count() == 1 and member.changes.get().action == StaffChange.Action.CREATED


def test_the_form_says_which_field_is_wrong_and_how_to_fix_it(client, cast):
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("staff:create"),
        form_data(birth_date="31/02/1990", phone="12345", email="mai@", code="GV-A-001", unit="TB"),
    )
    form = response.context["form"]
    assert response.status_code == 200
    assert form.errors["birth_date"] == [
        "“31/02/1990” không phải là ngày có thật (ngày 31, tháng 2). Hãy nhập theo dạng dd/mm/yyyy."
    ]
    assert "không phải là số điện thoại Việt Nam" in form.errors["phone"][0]
    assert form.errors["email"] == ["“mai@” không phải là địa chỉ e-mail (dạng ten@example.com)."]
    assert "Mã định danh “GV-A-001” đã thuộc về người khác" in form.errors["code"][0]
    assert "Không có đơn vị nào có mã “TB” trong các đơn vị của bạn" in form.errors["unit"][0]
    assert not StaffMember.objects.filter(full_name="Lê Thị Mai").exists()


def test_cross_field_rules_are_attached_to_their_field(client, cast):
    client.force_login(cast.principal_a)
    response = client.post(reverse("staff:create"), form_data(citizen_id="012085000999", birth_date="12/03/1990"))
    errors = response.context["form"].errors["citizen_id"]
    assert any("không khớp với giới tính nữ, sinh năm 1990" in e for e in errors)
    assert any("phải là hai chữ số cuối của năm sinh (1990)" in e for e in errors)
    response = client.post(reverse("staff:create"), form_data(citizen_id="012185000123", birth_date="05/09/1985"))
    assert "Số CCCD 012185000123 đã thuộc về người khác" in response.context["form"].errors["citizen_id"][0]


def test_editing_writes_one_audit_entry_with_before_and_after(client, cast):
    member = cast.member_a
    client.force_login(cast.principal_a)
    response = client.post(
        reverse("staff:edit", args=[member.pk]), form_data(member, subjects="Tiếng Việt", status="retired")
    )
    assert response.status_code == 302
    change = StaffChange.objects.filter(staff=member, action=StaffChange.Action.UPDATED).get()
    assert change.changes == {"subjects": ["", "Tiếng Việt"], "status": ["Đang làm việc", "Nghỉ hưu"]}
    assert change.by == cast.principal_a
    member.refresh_from_db()
    assert member.status == Status.RETIRED and member.version == 2


def test_the_edit_form_refuses_a_stale_version(client, cast):
    member = cast.member_a
    client.force_login(cast.principal_a)
    stale = form_data(member, subjects="Mĩ thuật")
    client.post(reverse("staff:edit", args=[member.pk]), form_data(member, subjects="Âm nhạc"))
    response = client.post(reverse("staff:edit", args=[member.pk]), stale)
    assert response.status_code == 200
    assert "Người khác đã sửa hồ sơ này sau khi bạn mở. Hãy tải lại trang" in response.content.decode()
    member.refresh_from_db()
    assert member.subjects == "Âm nhạc"


def test_a_transfer_moves_the_person_and_keeps_the_history(client, cast):
    client.force_login(cast.officer)
    url = reverse("staff:transfer", args=[cast.member_a.pk])
    response = client.post(url, {"unit": "TB", "on": "01/09/2025", "note": "QĐ 12/QĐ-SGD"})
    assert response.status_code == 302
    stays = list(Assignment.objects.filter(staff=cast.member_a).order_by("pk").values_list("unit__code", "end_date"))
    assert stays == [("TA", dt.date(2025, 9, 1)), ("TB", None)]


def test_a_second_transfer_from_an_old_page_is_refused_and_the_first_stays(cast):
    school_c = make_unit("TC", "Trường Tiểu học Tân Phong 2", parent=cast.tree.commune)
    url = reverse("staff:transfer", args=[cast.member_a.pk])
    first, second = Client(), Client()
    first.force_login(cast.local)
    second.force_login(cast.officer)
    mine = re.search(r'name="version" value="(\d+)"', first.get(url).content.decode()).group(1)
    theirs = re.search(r'name="version" value="(\d+)"', second.get(url).content.decode()).group(1)
    assert first.post(url, {"unit": "TC", "on": "01/09/2025", "version": mine}).status_code == 302
    response = second.post(url, {"unit": "TB", "on": "15/09/2025", "note": "QĐ 99", "version": theirs})
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Người khác vừa sửa hoặc điều chuyển Nguyễn Thị Hoà sau khi bạn mở trang này (hiện ở Trường Tiểu học Tân "
        "Phong 2). Chưa lưu gì. Hãy tải lại trang rồi làm lại."
    ) in page
    assert 'value="15/09/2025"' in page and 'value="QĐ 99"' in page
    member = StaffMember.objects.get(pk=cast.member_a.pk)
    assert member.unit == school_c
    assert list(Assignment.objects.filter(staff=member).order_by("pk").values_list("unit__code", flat=True)) == [
        "TA",
        "TC",
    ]
    again = re.search(r'name="version" value="(\d+)"', second.get(url).content.decode()).group(1)
    response = second.post(url, {"unit": "TB", "on": "15/09/2025", "version": again})
    assert response.status_code == 302
    assert StaffMember.objects.get(pk=member.pk).unit == cast.tree.school_b


def test_a_transfer_refuses_the_same_unit_and_units_outside_the_scope(client, cast):
    client.force_login(cast.principal_a)
    url = reverse("staff:transfer", args=[cast.member_a.pk])
    response = client.post(url, {"unit": "TA", "on": "01/09/2025"})
    assert "Người này đang công tác tại Trường Tiểu học Tân Phong" in response.context["form"].errors["unit"][0]
    response = client.post(url, {"unit": "TB", "on": "1/13/2025"})
    form = response.context["form"]
    assert "Không có đơn vị nào có mã “TB”" in form.errors["unit"][0]
    assert "không phải là ngày có thật" in form.errors["on"][0]


# --- accounts from the record ------------------------------------------------------------------------------


def test_a_principal_creates_an_account_for_a_person_without_one(client, cast):
    member = make_staff(cast.tree.school_a, "Lê Thị Mai", code="GV-A-009")
    client.force_login(cast.principal_a)
    response = client.post(reverse("staff:create-account", args=[member.pk]))
    password = response.context["password"]
    account = User.objects.get(username="gv-a-009")
    assert account.must_change_password and account.check_password(password)
    assert account.staff_member == member
    assert password in response.content.decode()
    response = client.post(reverse("staff:create-account", args=[member.pk]), follow=True)
    assert "Người này đã có tài khoản." in response.content.decode()


def test_a_created_account_signs_in_and_must_change_its_password(client, cast):
    member = make_staff(cast.tree.school_a, "Lê Thị Mai", code="GV-A-009")
    client.force_login(cast.principal_a)
    password = client.post(reverse("staff:create-account", args=[member.pk])).context["password"]
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": "gv-a-009", "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:password-change")
    assert PASSWORD  # the cast's password is unrelated


def test_an_outsider_cannot_create_an_account_for_another_schools_person(client, cast):
    member = make_staff(cast.tree.school_a, "Lê Thị Mai", code="GV-A-009")
    client.force_login(cast.principal_b)
    assert client.post(reverse("staff:create-account", args=[member.pk])).status_code == 404
