"""The teacher's pages: their appraisal with autosave, evidence and submission; opinions on colleagues;
the group leader's summary (form 03)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bdtx.appraisals import services
from bdtx.appraisals.models import Appraisal, Evidence, Opinion
from bdtx.testing import make_cycle, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(cast, standards):
    return make_cycle(cast.tree.commune, by=cast.local)


@pytest.fixture
def teacher(client, cast):
    client.force_login(cast.teacher_a)
    return client


def all_levels(level="kha", count=15):
    return {f"level-{n}": level for n in range(1, count + 1)}


def test_my_appraisal_starts_on_first_visit_and_shows_the_criteria_of_my_standard(teacher, cast, cycle):
    response = teacher.get(reverse("appraisals:mine"), follow=True)
    appraisal = Appraisal.objects.get(staff=cast.member_a)
    assert response.redirect_chain[-1][0] == reverse("appraisals:detail", kwargs={"pk": appraisal.pk})
    page = response.content.decode()
    assert "Phát triển chuyên môn bản thân" in page  # TT 20 criterion 3
    assert "Nộp phiếu tự đánh giá" in page


def test_without_a_cycle_the_teacher_is_told_who_opens_it(teacher, cast, standards):
    response = teacher.get(reverse("appraisals:mine"))
    assert "Trường Tiểu học Tân Phong" in response.content.decode()
    assert not Appraisal.objects.exists()


def test_the_autosave_keeps_a_draft_and_returns_the_new_version(teacher, cast, cycle):
    appraisal = services.start_appraisal(cycle, cast.member_a)
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    response = teacher.post(
        url,
        {"level-3": "tot", "note-3": "Dự giờ 12 tiết", "version": appraisal.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'value="{appraisal.version + 1}"' in response.content.decode()
    appraisal.refresh_from_db()
    assert appraisal.self_levels == {"3": "tot"} and appraisal.self_notes == {"3": "Dự giờ 12 tiết"}
    stale = teacher.post(url, {"level-3": "dat", "version": appraisal.version - 1}, headers={"HX-Request": "true"})
    assert stale.status_code == 409
    assert "tải lại" in stale.content.decode().lower()


def test_submitting_an_incomplete_self_assessment_keeps_what_was_typed_and_says_what_is_missing(teacher, cast, cycle):
    appraisal = services.start_appraisal(cycle, cast.member_a)
    form = {"level-1": "tot", "strengths": "Nhiệt tình", "action": "submit", "version": appraisal.version}
    response = teacher.post(reverse("appraisals:self-save", kwargs={"pk": appraisal.pk}), form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nhiệt tình" in page and "2, 3, 4" in page
    assert Appraisal.objects.get(pk=appraisal.pk).self_status == "draft"


def test_a_submitted_self_assessment_is_read_only(teacher, cast, cycle):
    appraisal = services.start_appraisal(cycle, cast.member_a)
    url = reverse("appraisals:self-save", kwargs={"pk": appraisal.pk})
    response = teacher.post(url, {**all_levels("kha"), "action": "submit", "version": appraisal.version}, follow=True)
    assert "Khá" in response.content.decode()
    appraisal.refresh_from_db()
    assert appraisal.self_status == "submitted" and appraisal.self_rating == "kha"
    assert (
        "Nộp phiếu tự đánh giá"
        not in teacher.get(reverse("appraisals:detail", kwargs={"pk": appraisal.pk})).content.decode()
    )
    again = teacher.post(url, {**all_levels("tot"), "version": appraisal.version})
    assert again.status_code == 400
    assert Appraisal.objects.get(pk=appraisal.pk).self_levels["1"] == "kha"


def test_evidence_is_uploaded_then_served_only_through_the_app(teacher, client, cast, cycle):
    appraisal = services.start_appraisal(cycle, cast.member_a)
    upload = SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.4 ke hoach", content_type="application/pdf")
    response = teacher.post(
        reverse("appraisals:evidence-add", kwargs={"pk": appraisal.pk}),
        {"criterion": "4", "title": "Kế hoạch dạy học", "file": upload},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(appraisal=appraisal)
    download = teacher.get(reverse("appraisals:evidence-file", kwargs={"pk": evidence.pk}))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 ke hoach"
    assert download["Content-Type"] == "application/pdf"
    client.force_login(cast.principal_a)
    assert client.get(reverse("appraisals:evidence-file", kwargs={"pk": evidence.pk})).status_code == 200


def test_a_refused_evidence_file_is_explained_on_the_form(teacher, cast, cycle):
    appraisal = services.start_appraisal(cycle, cast.member_a)
    response = teacher.post(
        reverse("appraisals:evidence-add", kwargs={"pk": appraisal.pk}),
        {"criterion": "", "title": "Tệp chạy", "file": SimpleUploadedFile("virus.exe", b"MZ")},
    )
    assert response.status_code == 400
    assert "virus.exe" in response.content.decode()
    assert not Evidence.objects.exists()


def test_only_the_person_fills_in_their_self_assessment(client, cast, cycle):
    appraisal = services.start_appraisal(cycle, cast.member_a)
    client.force_login(cast.principal_a)
    assert client.get(reverse("appraisals:detail", kwargs={"pk": appraisal.pk})).status_code == 200
    response = client.post(reverse("appraisals:self-save", kwargs={"pk": appraisal.pk}), all_levels())
    assert response.status_code == 403


def test_a_colleague_gives_opinions_on_the_group_and_the_leader_sees_the_summary(client, cast, cycle):
    leader_user = cast.principal_b.__class__.objects.create_user("leader", password="x")
    leader = make_staff(cast.tree.school_a, "Phạm Văn Bình", code="GV-A-002", user=leader_user)
    group = services.save_group(unit=cast.tree.school_a, name="Tổ Toán", leader=leader, members=[cast.member_a, leader])
    client.force_login(leader_user)
    url = reverse("appraisals:opinions", kwargs={"pk": cycle.pk})
    page = client.get(url).content.decode()
    assert "Nguyễn Thị Hoà" in page
    member_pk = cast.member_a.pk
    response = client.post(url, {f"rating-{member_pk}": "tot", f"strengths-{member_pk}": "Dạy tốt"})
    assert response.status_code == 302
    assert Opinion.objects.get(author=leader).rating == "tot"
    summary = client.get(reverse("appraisals:group-summary", kwargs={"pk": group.pk}) + f"?cycle={cycle.pk}")
    assert summary.status_code == 200
    assert "Nguyễn Thị Hoà" in summary.content.decode()


def test_a_member_who_is_not_the_leader_cannot_see_the_group_summary(teacher, cast, cycle):
    colleague = make_staff(cast.tree.school_a, "Phạm Văn Bình", code="GV-A-002")
    group = services.save_group(unit=cast.tree.school_a, name="Tổ Toán", leader=colleague, members=[cast.member_a])
    assert teacher.get(reverse("appraisals:group-summary", kwargs={"pk": group.pk})).status_code == 404


def test_an_outsider_cannot_give_opinions_in_a_cycle_that_does_not_reach_them(client, cast, cycle):
    client.force_login(cast.principal_b)
    assert client.get(reverse("appraisals:opinions", kwargs={"pk": cycle.pk})).status_code == 404


def test_the_school_changes_the_standard_of_a_person_with_a_reason(client, cast, cycle):
    appraisal = services.start_appraisal(cycle, cast.member_a)
    client.force_login(cast.principal_a)
    standard = appraisal.standard.__class__.objects.get(code="tt26-2018")
    url = reverse("appraisals:change-standard", kwargs={"pk": appraisal.pk})
    client.post(url, {"standard": standard.pk, "reason": "Dạy lớp mẫu giáo"})
    assert Appraisal.objects.get(pk=appraisal.pk).standard == standard
    client.force_login(cast.teacher_a)
    assert client.post(url, {"standard": standard.pk, "reason": "x"}).status_code == 403
