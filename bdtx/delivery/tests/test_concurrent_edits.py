"""Two people at the same score sheet, attendance sheet or question bank: a change from a page loaded before the
other person's save is refused as a whole (409, naming the learners, nothing written, outcomes untouched), what
the person typed stays in the form, and a save after reloading works. A toggle asks for a state, never flips."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bdtx.catalog.models import TrainingModule
from bdtx.delivery import attendance, scoring
from bdtx.delivery.models import Attendance, Enrolment, Question, Score, Trainer
from bdtx.testing import enrol, make_class, make_staff, make_user

pytestmark = pytest.mark.django_db
PRESENT, ABSENT, EXCUSED = attendance.PRESENT, attendance.ABSENT, attendance.EXCUSED


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page).group(1)


@pytest.fixture
def klass(cast):
    """A class of the commune with two tests, Hoà (member_a) and An enrolled, and a presenter with an account."""
    training_class = make_class(cast.tree.commune, year=2027, code="DONG-01", tests=2, sessions=1)
    an = make_staff(cast.tree.school_a, "Trần Văn An", code="GV-A-002", gender="nam")
    enrol(training_class, cast.member_a, an)
    presenter = make_user("presenter")
    trainer = Trainer.objects.create(unit=cast.tree.commune, user=presenter, full_name="Phạm Văn Giảng")
    training_class.trainers.add(trainer)
    training_class.presenter = presenter
    return training_class


def learners_of(training_class):
    hoa = Enrolment.objects.get(training_class=training_class, staff__code="GV-A-001")
    an = Enrolment.objects.get(training_class=training_class, staff__code="GV-A-002")
    return hoa, an


# The score sheet ------------------------------------------------------------------------------------------


def sheet_post(page: str, cells: dict) -> dict:
    """What the browser posts: the hidden `loaded` of the page and every cell, `cells` typed over what it showed."""
    data = {"loaded": hidden(page, "loaded").replace("&quot;", '"')}
    for name, value in re.findall(r'name="(s-\d+-\d+)" value="([^"]*)"', page):
        data[name] = cells.get(name, value)
    return data


def test_a_second_save_of_the_score_sheet_from_an_old_page_is_refused_and_the_first_stays(cast, klass):
    first_test, second_test = klass.assessments.order_by("position")
    hoa, an = learners_of(klass)
    scoring.save_scores(klass, {(hoa.pk, first_test.pk): Decimal("6")})
    url = reverse("delivery:scores", args=[klass.pk])
    first, second = signed_in(cast.local), signed_in(klass.presenter)
    mine, theirs = first.get(url).content.decode(), second.get(url).content.decode()
    hoa_first, an_second = scoring.cell_name(hoa.pk, first_test.pk), scoring.cell_name(an.pk, second_test.pk)
    assert first.post(url, sheet_post(mine, {hoa_first: "8"})).status_code == 302
    hoa_before = Enrolment.objects.get(pk=hoa.pk)
    # The second person changes Hoà's score too (from the 6 they saw) and An's second test.
    response = second.post(url, sheet_post(theirs, {hoa_first: "9,5", an_second: "7"}))
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Người khác vừa sửa điểm sau khi bạn mở bảng điểm: Nguyễn Thị Hoà (GV-A-001), Bài kiểm tra 1: nay là 8. "
        "Chưa lưu gì. Hãy tải lại trang để xem điểm hiện tại, rồi nhập lại thay đổi của bạn."
    ) in page
    assert f'name="{hoa_first}" value="9,5"' in page and f'name="{an_second}" value="7"' in page
    # Nothing of the second save was written, An's cell included, and the outcomes were not recomputed.
    assert dict(Score.objects.values_list("enrolment_id", "value")) == {hoa.pk: Decimal("8.00")}
    hoa_after = Enrolment.objects.get(pk=hoa.pk)
    assert (hoa_after.final_score, hoa_after.outcome, hoa_after.updated_at) == (
        hoa_before.final_score,
        hoa_before.outcome,
        hoa_before.updated_at,
    )
    # The refused page keeps what it was loaded with: saving it again is refused until it is reloaded.
    assert second.post(url, sheet_post(page, {})).status_code == 409
    again = second.get(url).content.decode()
    assert second.post(url, sheet_post(again, {hoa_first: "9,5", an_second: "7"})).status_code == 302
    assert dict(Score.objects.values_list("enrolment_id", "value")) == {hoa.pk: Decimal("9.50"), an.pk: Decimal("7")}


def test_a_cell_the_other_person_did_not_touch_is_saved_and_theirs_is_kept(cast, klass):
    first_test, _second_test = klass.assessments.order_by("position")
    hoa, an = learners_of(klass)
    url = reverse("delivery:scores", args=[klass.pk])
    first, second = signed_in(cast.local), signed_in(klass.presenter)
    mine, theirs = first.get(url).content.decode(), second.get(url).content.decode()
    assert first.post(url, sheet_post(mine, {scoring.cell_name(hoa.pk, first_test.pk): "8"})).status_code == 302
    assert second.post(url, sheet_post(theirs, {scoring.cell_name(an.pk, first_test.pk): "6"})).status_code == 302
    assert dict(Score.objects.values_list("enrolment_id", "value")) == {hoa.pk: Decimal("8"), an.pk: Decimal("6")}


def test_a_score_removed_by_someone_else_is_named_as_blank(cast, klass):
    first_test, _second_test = klass.assessments.order_by("position")
    hoa, _an = learners_of(klass)
    scoring.save_scores(klass, {(hoa.pk, first_test.pk): Decimal("6")})
    loaded = json.loads(scoring.loaded_values(scoring.score_map([hoa], [first_test])))
    scoring.save_scores(klass, {(hoa.pk, first_test.pk): None})  # the other person empties the cell
    with pytest.raises(scoring.StaleScores, match="Bài kiểm tra 1: nay để trống"):
        scoring.save_scores(
            klass,
            {(hoa.pk, first_test.pk): Decimal("7")},
            expected={(hoa.pk, first_test.pk): Decimal(loaded[f"{hoa.pk}-{first_test.pk}"])},
        )
    assert not Score.objects.exists()


# The attendance sheet -------------------------------------------------------------------------------------


def attendance_post(page: str, marks: dict) -> dict:
    """What the browser posts: every row's hidden shown-/was- values and its checked mark, `marks` chosen over it."""
    data = dict(re.findall(r'name="((?:shown|was)-\d+)" value="([^"]*)"', page))
    data |= dict(re.findall(r'name="(a-\d+)" value="(\w+)" checked', page))
    data |= {attendance.field_name(enrolment.pk): mark for enrolment, mark in marks.items()}
    return data


def test_a_second_save_of_the_attendance_sheet_from_an_old_page_is_refused_and_the_first_stays(cast, klass):
    session = klass.sessions.get()
    hoa, an = learners_of(klass)
    url = reverse("delivery:attendance-sheet", args=[session.pk])
    attendance.save_sheet(session, {hoa.pk: PRESENT, an.pk: PRESENT}, by=cast.local)
    first, second = signed_in(cast.local), signed_in(klass.presenter)
    mine, theirs = first.get(url).content.decode(), second.get(url).content.decode()
    assert first.post(url, attendance_post(mine, {hoa: ABSENT})).status_code == 302
    response = second.post(url, attendance_post(theirs, {hoa: EXCUSED, an: ABSENT}))
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Người khác vừa điểm danh sau khi bạn mở bảng điểm danh: Nguyễn Thị Hoà (GV-A-001): nay là vắng. "
        "Chưa lưu gì. Hãy tải lại trang để xem điểm danh hiện tại, rồi sửa lại."
    ) in page
    # What they chose stays chosen.
    assert f'name="a-{hoa.pk}" value="excused" checked' in page and f'name="a-{an.pk}" value="absent" checked' in page
    marks = {row.enrolment_id: attendance.mark_of(row.present, row.excused) for row in Attendance.objects.all()}
    assert marks == {hoa.pk: ABSENT, an.pk: PRESENT}
    assert Enrolment.objects.get(pk=an.pk).sessions_attended == 1
    assert second.post(url, attendance_post(page, {})).status_code == 409
    again = second.get(url).content.decode()
    assert second.post(url, attendance_post(again, {hoa: EXCUSED, an: ABSENT})).status_code == 302
    marks = {row.enrolment_id: attendance.mark_of(row.present, row.excused) for row in Attendance.objects.all()}
    assert marks == {hoa.pk: EXCUSED, an.pk: ABSENT}


def test_a_sheet_opened_before_a_check_in_does_not_mark_that_learner_absent(cast, klass):
    session = klass.sessions.get()
    hoa, an = learners_of(klass)
    url = reverse("delivery:attendance-sheet", args=[session.pk])
    presenter = signed_in(klass.presenter)
    page = presenter.get(url).content.decode()  # a new sheet: no record yet
    attendance.record_presence(session, hoa, method="qr")  # Hoà checks in meanwhile
    response = presenter.post(url, attendance_post(page, {hoa: ABSENT}))
    assert response.status_code == 409
    assert "Nguyễn Thị Hoà (GV-A-001): nay là có mặt" in response.content.decode()
    assert [(row.enrolment_id, row.present) for row in Attendance.objects.all()] == [(hoa.pk, True)]
    # A row left as it was shown keeps the check-in; another row is saved.
    again = presenter.get(url).content.decode()
    assert presenter.post(url, attendance_post(again, {an: ABSENT})).status_code == 302
    marks = {row.enrolment_id: attendance.mark_of(row.present, row.excused) for row in Attendance.objects.all()}
    assert marks == {hoa.pk: PRESENT, an.pk: ABSENT}


# The question bank: a toggle asks for a state ------------------------------------------------------------------


def test_a_second_click_to_stop_drawing_a_question_from_an_old_page_changes_nothing(cast, programmes):
    module = TrainingModule.objects.create(
        code="PA 10", title="Đánh giá học sinh", programme=programmes["tt17-2019"], owner=cast.tree.commune
    )
    question = Question.objects.create(
        module=module, text="Điểm đạt là bao nhiêu?", choices=["4", "5"], correct=[1], owner=cast.tree.commune
    )
    bank = reverse("delivery:question-bank", args=[module.pk])
    url = reverse("delivery:question-active", args=[question.pk])
    first, second = signed_in(cast.local), signed_in(cast.officer)
    mine, theirs = first.get(bank).content.decode(), second.get(bank).content.decode()
    assert hidden(mine, "active") == hidden(theirs, "active") == "0"
    assert first.post(url, {"active": "0"}).status_code == 302
    response = second.post(url, {"active": hidden(theirs, "active")}, follow=True)
    assert "Câu hỏi đã không còn được rút (có thể người khác vừa đổi): không cần làm gì." in response.content.decode()
    question.refresh_from_db()
    assert not question.active
    again = second.get(bank).content.decode()
    assert hidden(again, "active") == "1"
    response = second.post(url, {"active": "1"}, follow=True)
    assert "Câu hỏi được rút lại." in response.content.decode()
    question.refresh_from_db()
    assert question.active
    response = second.post(url, {}, follow=True)
    assert "Hãy cho biết câu hỏi có được rút (active=1) hay không (active=0)." in response.content.decode()
    question.refresh_from_db()
    assert question.active
