"""Two people editing the same cycle's dates, subject group, evaluation policy or group evaluation: the second save is
refused with a message saying someone else changed it, nothing of it is written, and the first person's values stay."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from bdtx.accounts.models import Role
from bdtx.appraisals import services
from bdtx.appraisals.models import Appraisal, AppraisalCycle, EvaluationPolicy, SubjectGroup
from bdtx.testing import make_cycle, make_staff, make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def version_in(page: str, name: str = "version") -> str:
    return re.search(rf'name="{name}" value="(\d+)"', page).group(1)


def day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def dates_form(cycle: AppraisalCycle, version: str, *, until: dt.date) -> dict:
    return {
        "version": version,
        "self_assessment_from": day(cycle.self_assessment_from),
        "self_assessment_until": day(until),
        "opinions_until": day(cycle.opinions_until + dt.timedelta(days=10)),
        "evaluation_until": day(cycle.evaluation_until + dt.timedelta(days=10)),
    }


def test_a_second_change_of_a_cycles_dates_is_refused_and_the_first_stays(cast):
    cycle = make_cycle(cast.tree.commune, by=cast.local, title="Đợt 2026")
    first, second = signed_in(cast.local), signed_in(cast.officer)
    url = reverse("appraisals:cycle-edit", args=[cycle.pk])
    mine = version_in(first.get(url).content.decode())
    theirs = version_in(second.get(url).content.decode())
    three, five = cycle.self_assessment_until + dt.timedelta(days=3), cycle.self_assessment_until + dt.timedelta(days=5)
    assert first.post(url, dates_form(cycle, mine, until=three)).status_code == 302
    response = second.post(url, dates_form(cycle, theirs, until=five))
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Thời hạn của đợt đánh giá “Đợt 2026” vừa được người khác sửa sau khi bạn mở trang này. "
        "Hãy tải lại trang để xem thời hạn hiện tại, rồi sửa lại."
    ) in page
    assert f'value="{day(five)}"' in page  # what they typed is still in the form
    cycle.refresh_from_db()
    assert (cycle.self_assessment_until, cycle.version) == (three, 2)
    again = version_in(second.get(url).content.decode())
    assert second.post(url, dates_form(cycle, again, until=five)).status_code == 302
    cycle.refresh_from_db()
    assert (cycle.self_assessment_until, cycle.version) == (five, 3)


@pytest.fixture
def vice(cast):
    return make_user("vice_a", role=Role.SCHOOL_ADMIN, unit=cast.tree.school_a)


def test_a_second_save_of_a_subject_group_is_refused_and_the_first_stays(cast, vice):
    binh = make_staff(cast.tree.school_a, "Lê Văn Bình")
    cuong = make_staff(cast.tree.school_a, "Phạm Quốc Cường")
    group = services.save_group(unit=cast.tree.school_a, name="Tổ Toán", leader=None, members=[binh])
    first, second = signed_in(cast.principal_a), signed_in(vice)
    url = reverse("appraisals:group-edit", args=[group.pk])
    mine = version_in(first.get(url).content.decode())
    theirs = version_in(second.get(url).content.decode())
    form = {"name": "Tổ Toán – Tin", "leader": binh.pk, "members": [binh.pk, cuong.pk], "version": mine}
    assert first.post(url, form).status_code == 302
    response = second.post(url, {"name": "Tổ Khoa học", "members": [cast.member_a.pk], "version": theirs})
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Tổ “Tổ Toán – Tin” vừa được người khác sửa sau khi bạn mở trang này. "
        "Hãy tải lại trang để xem tổ hiện tại, rồi sửa lại."
    ) in page
    assert 'value="Tổ Khoa học"' in page
    group = SubjectGroup.objects.get()
    assert (group.name, group.leader, set(group.members.all()), group.version) == (
        "Tổ Toán – Tin",
        binh,
        {binh, cuong},
        2,
    )
    again = version_in(second.get(url).content.decode())
    form = {"name": "Tổ Khoa học", "members": [cast.member_a.pk], "version": again}
    assert second.post(url, form).status_code == 302
    assert SubjectGroup.objects.get().name == "Tổ Khoa học"


def test_a_second_save_of_the_evaluation_policy_is_refused_and_the_first_stays(cast, vice):
    first, second = signed_in(cast.principal_a), signed_in(vice)
    url = reverse("appraisals:policy", args=[cast.tree.school_a.pk])
    # Both open the page before the school has a policy (version 0), then both save one.
    mine = version_in(first.get(url).content.decode())
    theirs = version_in(second.get(url).content.decode())
    assert mine == theirs == "0"
    assert first.post(url, {"yearly": "on", "note": "QĐ 12/QĐ-UBND", "version": mine}).status_code == 302
    response = second.post(url, {"note": "Hai năm một lần", "version": theirs})
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        f"Chu kỳ đánh giá giáo viên của {cast.tree.school_a.name} vừa được người khác sửa sau khi bạn mở trang này. "
        "Hãy tải lại trang để xem bản hiện tại, rồi sửa lại."
    ) in page
    assert 'value="Hai năm một lần"' in page
    policy = EvaluationPolicy.objects.get()
    assert (policy.yearly, policy.note, policy.decided_by, policy.version) == (
        True,
        "QĐ 12/QĐ-UBND",
        cast.principal_a,
        1,
    )
    again = version_in(second.get(url).content.decode())
    assert again == "1"
    assert second.post(url, {"note": "Hai năm một lần", "version": again}).status_code == 302
    policy.refresh_from_db()
    assert (policy.yearly, policy.decided_by, policy.version) == (False, vice, 2)
    assert second.post(url, {"yearly": "on", "note": "x", "version": again}).status_code == 409


# The whole group evaluated on one screen -------------------------------------------------------------------


def levels(level="kha", count=15):
    return dict.fromkeys(range(1, count + 1), level)


@pytest.fixture
def group(cast, standards):
    """Tổ 1 of school A: member_a and two colleagues, each with a submitted self-assessment at Khá."""
    cycle = make_cycle(cast.tree.commune, by=cast.local)
    members = [cast.member_a] + [make_staff(cast.tree.school_a, f"Giáo Viên Số {i}", code=f"GV-C-{i}") for i in (1, 2)]
    for member in members:
        appraisal = services.start_appraisal(cycle, member)
        services.save_self_assessment(appraisal, by=None, levels=levels())
        services.submit_self_assessment(appraisal, by=None)
    return cycle, services.save_group(unit=cast.tree.school_a, name="Tổ 1", leader=None, members=members)


def screen(client, url: str) -> dict:
    """The form of the group screen as the browser would post it: the levels shown and each row's version."""
    page = client.get(url).content.decode()
    form = dict(re.findall(r'name="(v-\d+)" value="(\d+)"', page))
    for appraisal in Appraisal.objects.all():
        form |= {f"l-{appraisal.pk}-{n}": "kha" for n in range(1, 16)}
    return form


def test_a_second_save_of_the_group_screen_is_refused_naming_the_person_and_saves_nothing(cast, group, vice):
    cycle, subject_group = group
    url = reverse("appraisals:bulk-evaluate", args=[subject_group.pk]) + f"?cycle={cycle.pk}"
    first, second = signed_in(cast.principal_a), signed_in(vice)
    mine, theirs = screen(first, url), screen(second, url)
    hoa = Appraisal.objects.get(staff=cast.member_a)
    mine |= {f"l-{hoa.pk}-1": "tot", "action": "save", "cycle": cycle.pk}
    assert first.post(url, mine).status_code == 302
    theirs |= {f"l-{hoa.pk}-1": "dat", "action": "save", "cycle": cycle.pk}
    response = second.post(url, theirs, follow=True)
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Nguyễn Thị Hoà: kết quả đánh giá vừa được người khác sửa hoặc xác nhận sau khi bạn mở trang này. "
        "Chưa có gì được lưu."
    ) in page
    assert page.count("Giáo Viên Số") >= 2 and "Giáo Viên Số 1:" not in page  # only the one changed is named
    hoa.refresh_from_db()
    assert hoa.final_levels["1"] == "tot"
    # Nothing of the second save was written, not even the rows nobody else had touched.
    assert Appraisal.objects.exclude(pk=hoa.pk).filter(evaluated_by=vice).count() == 0
    # Confirming from the stale screen is refused too, and nothing is confirmed.
    response = second.post(url, theirs | {"action": "confirm", "acknowledge": "1"})
    assert response.status_code == 409
    assert not Appraisal.objects.filter(evaluation_status="confirmed").exists()
    # Reloaded, the second person saves and confirms.
    fresh = screen(second, url) | {"cycle": cycle.pk, "action": "confirm", "acknowledge": "1"}
    assert second.post(url, fresh).status_code == 302
    assert Appraisal.objects.filter(evaluation_status="confirmed", evaluated_by=vice).count() == 3


def test_the_group_screen_keeps_the_version_it_was_loaded_with_through_a_check(cast, group):
    cycle, subject_group = group
    client = signed_in(cast.principal_a)
    url = reverse("appraisals:bulk-evaluate", args=[subject_group.pk]) + f"?cycle={cycle.pk}"
    form = screen(client, url) | {"cycle": cycle.pk}
    hoa = Appraisal.objects.get(staff=cast.member_a)
    services.save_evaluation(hoa, by=cast.principal_a, levels={str(n): "dat" for n in range(1, 16)})
    checked = client.post(url, form | {"action": "check"}).content.decode()
    assert f'name="v-{hoa.pk}" value="{form[f"v-{hoa.pk}"]}"' in checked  # not the newer one
    assert client.post(url, form | {"action": "save"}).status_code == 409
    assert Appraisal.objects.get(pk=hoa.pk).final_levels["1"] == "dat"


def test_confirming_rows_read_before_someone_else_changed_them_confirms_nothing(cast, group):
    rows = [services.EvaluationRow(a, levels(), "") for a in Appraisal.objects.order_by("pk")]
    other = Appraisal.objects.get(pk=rows[1].appraisal.pk)
    services.save_evaluation(other, by=cast.principal_a, levels={str(n): "dat" for n in range(1, 16)})
    with pytest.raises(services.Stale, match="Giáo Viên Số 1: kết quả đánh giá vừa được người khác sửa"):
        services.confirm_evaluations(rows, by=cast.principal_a, acknowledged=True)
    assert not Appraisal.objects.filter(evaluation_status="confirmed").exists()
    assert Appraisal.objects.get(pk=other.pk).final_levels["1"] == "dat"


def test_confirming_rows_someone_else_confirmed_meanwhile_is_refused_as_locked(cast, group):
    rows = [services.EvaluationRow(a, levels(), "") for a in Appraisal.objects.order_by("pk")]
    other = Appraisal.objects.get(pk=rows[0].appraisal.pk)
    services.confirm_evaluations([services.EvaluationRow(other, levels())], by=cast.principal_a, acknowledged=True)
    with pytest.raises(services.Locked):
        services.confirm_evaluations(rows[1:] + rows[:1], by=cast.local, acknowledged=True)
    assert Appraisal.objects.filter(evaluation_status="confirmed").count() == 1


def test_a_second_save_of_one_persons_evaluation_is_refused_and_stays_refused_until_reloaded(cast, group, vice):
    cycle, _group = group
    hoa = Appraisal.objects.get(staff=cast.member_a)
    url = reverse("appraisals:evaluate", args=[hoa.pk])
    first, second = signed_in(cast.principal_a), signed_in(vice)
    mine = version_in(first.get(url).content.decode())
    theirs = version_in(second.get(url).content.decode())
    form = {f"level-{n}": "kha" for n in range(1, 16)} | {"action": "save"}
    assert first.post(url, form | {"level-1": "tot", "version": mine}).status_code == 302
    response = second.post(url, form | {"level-1": "dat", "comment": "Cần cố gắng", "version": theirs})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Phiếu này vừa được sửa ở nơi khác" in page and "Cần cố gắng" in page
    assert version_in(page) == theirs  # saving this page again is refused too
    hoa.refresh_from_db()
    assert (hoa.final_levels["1"], hoa.evaluation_comment) == ("tot", "")


def test_two_reopenings_of_the_same_evaluation_the_second_is_refused(cast, group):
    hoa = Appraisal.objects.get(staff=cast.member_a)
    services.confirm_evaluations([services.EvaluationRow(hoa, levels())], by=cast.principal_a, acknowledged=True)
    first, second = Appraisal.objects.get(pk=hoa.pk), Appraisal.objects.get(pk=hoa.pk)
    services.reopen_evaluation(first, by=cast.local, reason="Nhập nhầm mức tiêu chí 8")
    with pytest.raises(services.Stale, match="vừa được người khác mở lại"):
        services.reopen_evaluation(second, by=cast.officer, reason="Sai mức tiêu chí 3 cần sửa")
    assert hoa.events.filter(action="reopened").count() == 1
    assert Appraisal.objects.get(pk=hoa.pk).evaluation_status == "draft"
