"""The head's pages: one person's evaluation, the whole group's on one screen with its warnings, reopening by
the level above, and the principals an officer evaluates."""

import pytest
from django.urls import reverse

from bdtx.appraisals import services
from bdtx.appraisals.models import Appraisal, AppraisalEvent
from bdtx.testing import make_cycle, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(cast, standards):
    return make_cycle(cast.tree.commune, by=cast.local)


def levels(level="kha", count=15, **overrides):
    found = dict.fromkeys(range(1, count + 1), level)
    found.update({int(k[1:]): v for k, v in overrides.items()})
    return found


def submitted(cycle, member, by=None, level="kha", **overrides):
    appraisal = services.start_appraisal(cycle, member)
    services.save_self_assessment(appraisal, by=by, levels=levels(level, **overrides))
    return services.submit_self_assessment(appraisal, by=by)


@pytest.fixture
def group(cast, cycle):
    """Tổ 1: member_a and five colleagues of school A, all with submitted self-assessments at Khá."""
    members = [cast.member_a] + [
        make_staff(cast.tree.school_a, f"Giáo Viên Số {index}", code=f"GV-T-{index}") for index in range(5)
    ]
    for member in members:
        submitted(cycle, member)
    return services.save_group(unit=cast.tree.school_a, name="Tổ 1", leader=members[1], members=members)


def test_the_head_evaluates_one_person_starting_from_the_self_assessment(client, cast, cycle):
    appraisal = submitted(cycle, cast.member_a, level="dat", c3="kha")
    client.force_login(cast.principal_a)
    url = reverse("appraisals:evaluate", kwargs={"pk": appraisal.pk})
    page = client.get(url).content.decode()
    assert '<option value="kha" selected>' in page  # criterion 3 starts from the self-assessment
    form = {f"level-{n}": "dat" for n in range(1, 16)} | {
        "comment": "Hoàn thành tốt nhiệm vụ",
        "action": "confirm",
        "version": appraisal.version,
    }
    response = client.post(url, form)
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert (appraisal.evaluation_status, appraisal.final_rating) == ("confirmed", "dat")
    assert appraisal.evaluation_comment == "Hoàn thành tốt nhiệm vụ"


def test_confirming_an_all_tot_evaluation_without_evidence_asks_for_acknowledgement(client, cast, cycle):
    appraisal = submitted(cycle, cast.member_a, level="tot")
    client.force_login(cast.principal_a)
    url = reverse("appraisals:evaluate", kwargs={"pk": appraisal.pk})
    form = {f"level-{n}": "tot" for n in range(1, 16)} | {"action": "confirm"}
    response = client.post(url, form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Tất cả tiêu chí đều xếp mức Tốt" in page and "không có minh chứng" in page
    assert Appraisal.objects.get(pk=appraisal.pk).evaluation_status == "draft"  # kept as a draft, not confirmed
    response = client.post(url, form | {"acknowledge": "1"})
    assert response.status_code == 302
    assert Appraisal.objects.get(pk=appraisal.pk).final_rating == "tot"


def test_a_confirmed_evaluation_cannot_be_evaluated_again(client, cast, cycle):
    appraisal = submitted(cycle, cast.member_a)
    services.confirm_evaluations([services.EvaluationRow(appraisal, levels())], by=cast.principal_a, acknowledged=True)
    client.force_login(cast.principal_a)
    url = reverse("appraisals:evaluate", kwargs={"pk": appraisal.pk})
    client.post(url, {f"level-{n}": "tot" for n in range(1, 16)} | {"action": "confirm", "acknowledge": "1"})
    assert Appraisal.objects.get(pk=appraisal.pk).final_rating == "kha"


def test_a_teacher_cannot_evaluate_even_their_own_appraisal(client, cast, cycle):
    appraisal = submitted(cycle, cast.member_a)
    client.force_login(cast.teacher_a)
    assert client.get(reverse("appraisals:evaluate", kwargs={"pk": appraisal.pk})).status_code == 403


def test_the_group_screen_flags_identical_levels_then_confirms_everyone_at_once(
    client, cast, cycle, group, django_assert_max_num_queries
):
    client.force_login(cast.principal_a)
    url = reverse("appraisals:bulk-evaluate", kwargs={"pk": group.pk}) + f"?cycle={cycle.pk}"
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert page.count("selected>K</option>") == 6 * 15  # every row starts from its self-assessment (Khá)
    appraisals = list(Appraisal.objects.filter(cycle=cycle))
    form = {"cycle": cycle.pk, "action": "check"}
    for appraisal in appraisals:
        form |= {f"l-{appraisal.pk}-{n}": "kha" for n in range(1, 16)}
    checked = client.post(url, form)
    assert checked.status_code == 200
    assert "giống hệt 5 người khác" in checked.content.decode()
    assert not Appraisal.objects.filter(evaluation_status="confirmed").exists()
    refused = client.post(url, form | {"action": "confirm"})
    assert refused.status_code == 409
    with django_assert_max_num_queries(40):
        done = client.post(url, form | {"action": "confirm", "acknowledge": "1"})
    assert done.status_code == 302
    assert Appraisal.objects.filter(evaluation_status="confirmed", final_rating="kha").count() == 6
    assert AppraisalEvent.objects.filter(action="confirmed", by=cast.principal_a).count() == 6


def test_an_incomplete_row_stops_the_whole_group_with_the_name(client, cast, cycle, group):
    client.force_login(cast.principal_a)
    url = reverse("appraisals:bulk-evaluate", kwargs={"pk": group.pk}) + f"?cycle={cycle.pk}"
    form = {"cycle": cycle.pk, "action": "confirm", "acknowledge": "1"}
    for appraisal in Appraisal.objects.filter(cycle=cycle):
        form |= {f"l-{appraisal.pk}-{n}": "kha" for n in range(1, 16)}
    form.pop(f"l-{Appraisal.objects.get(staff=cast.member_a).pk}-7")
    response = client.post(url, form)
    assert response.status_code == 400
    assert "Nguyễn Thị Hoà" in response.content.decode()
    assert not Appraisal.objects.filter(evaluation_status="confirmed").exists()


def test_another_school_cannot_open_the_group_screen(client, cast, cycle, group):
    client.force_login(cast.principal_b)
    assert client.get(reverse("appraisals:bulk-evaluate", kwargs={"pk": group.pk})).status_code == 404


def test_only_the_level_above_reopens_with_a_reason(client, cast, cycle):
    appraisal = submitted(cycle, cast.member_a)
    services.confirm_evaluations([services.EvaluationRow(appraisal, levels())], by=cast.principal_a, acknowledged=True)
    url = reverse("appraisals:reopen", kwargs={"pk": appraisal.pk})
    client.force_login(cast.principal_a)
    assert client.post(url, {"reason": "Muốn sửa lại tiêu chí 4"}).status_code == 403
    client.force_login(cast.local)
    client.post(url, {"reason": "ngắn"})
    assert Appraisal.objects.get(pk=appraisal.pk).evaluation_status == "confirmed"
    client.post(url, {"reason": "Trường đề nghị sửa tiêu chí 4"})
    assert Appraisal.objects.get(pk=appraisal.pk).evaluation_status == "draft"
    page = client.get(reverse("appraisals:detail", kwargs={"pk": appraisal.pk})).content.decode()
    assert "Trường đề nghị sửa tiêu chí 4" in page


def test_the_commune_officer_sees_the_principals_it_evaluates(client, cast, cycle):
    head = make_staff(cast.tree.school_a, "Vũ Văn Minh", code="HT-A", group="manager", position="Hiệu trưởng")
    services.start_appraisal(cycle, head)
    client.force_login(cast.local)
    page = client.get(reverse("appraisals:principals", kwargs={"pk": cycle.pk})).content.decode()
    assert "Vũ Văn Minh" in page
    client.force_login(cast.principal_a)
    assert client.get(reverse("appraisals:principals", kwargs={"pk": cycle.pk})).status_code == 404
