"""Tests of a class and the score sheet: scores typed the Vietnamese way or the English way, refusals that name
the learner and the test, bulk saves in a bounded number of queries that refresh the outcomes, the Excel
template and its import (all or nothing, with a real .xlsx), and who may see and write what."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bdtx.delivery import scoring
from bdtx.delivery.models import Assessment, AssessmentKind, Enrolment, Score, ScoreSource
from bdtx.delivery.tests import scope_scores
from bdtx.lib.cells import Invalid
from bdtx.testing import enrol, make_class, make_staff


@pytest.fixture
def klass(cast):
    """A class of the commune with two tests: member_a and two more people of school A, and member_b of school B."""
    training_class = make_class(cast.tree.commune, year=2027, code="TOAN-01", tests=2)
    an = make_staff(cast.tree.school_a, "Trần Văn An", code="GV-A-002", gender="nam")
    binh = make_staff(cast.tree.school_a, "Lê Thị Bình", code="GV-A-003")
    enrol(training_class, cast.member_a, an, binh, cast.member_b)
    return training_class


def assessments_of(training_class):
    return list(training_class.assessments.order_by("position"))


def enrolment_of(training_class, member) -> Enrolment:
    return Enrolment.objects.get(training_class=training_class, staff=member)


def sheet_url(training_class) -> str:
    return reverse("delivery:scores", args=[training_class.pk])


# Parsing and messages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("7,5", Decimal("7.50")),
        ("7.5", Decimal("7.50")),
        (" 8 ", Decimal("8.00")),
        ("0", Decimal("0.00")),
        ("10", Decimal("10.00")),
        ("6,25", Decimal("6.25")),
        (7.1, Decimal("7.10")),
        (9, Decimal("9.00")),
        ("", None),
        (None, None),
    ],
)
def test_a_score_is_read_with_a_comma_or_a_point(typed, value):
    assert scoring.parse_score(typed) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("11", "11 nằm ngoài thang điểm: hãy nhập điểm từ 0 đến 10."),
        ("-1", "-1 nằm ngoài thang điểm: hãy nhập điểm từ 0 đến 10."),
        ("7,255", "7,255 có quá 2 chữ số thập phân: hãy làm tròn, ví dụ 7,25."),
        ("bảy", "“bảy” không phải là điểm. Hãy nhập một số từ 0 đến 10, ví dụ 7,5."),
        ("7,5,1", "“7,5,1” không phải là điểm. Hãy nhập một số từ 0 đến 10, ví dụ 7,5."),
    ],
)
def test_a_bad_score_is_refused_with_how_to_type_it(db, typed, message):
    with pytest.raises(Invalid) as error:
        scoring.parse_score(typed)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("key", "values", "text"),
    [
        ("attendance_short", {"attended": 3, "held": 5, "percent": 80}, "Tham gia 3/5 buổi học; cần tối thiểu 80%."),
        ("score_below", {"count": 2, "pass_mark": "5"}, "2 bài kiểm tra dưới điểm đạt (5 điểm)."),
        ("score_missing", {"count": 1}, "Còn 1 bài kiểm tra chưa có điểm."),
        ("no_test", {}, "Lớp chưa có bài kiểm tra nào."),
    ],
)
def test_the_reasons_of_an_outcome_read_in_vietnamese(db, key, values, text):
    assert scoring.reason_text(key, values) == text


def test_a_score_is_shown_as_people_write_it(db):
    assert [scoring.score_text(v) for v in (Decimal("7.50"), Decimal("8.00"), Decimal("6.25"), None)] == [
        "7,5",
        "8",
        "6,25",
        "",
    ]


# The sheet ------------------------------------------------------------------------------------------------


def test_the_sheet_lists_the_learners_by_given_name_with_a_column_per_test(client, cast, klass):
    client.force_login(cast.local)
    response = client.get(sheet_url(klass))
    assert response.status_code == 200
    names = [row["enrolment"].staff.full_name for row in response.context["rows"]]
    assert names == ["Trần Văn An", "Lê Thị Bình", "Trần Văn Đức", "Nguyễn Thị Hoà"]
    html = response.content.decode()
    assert "Bài kiểm tra 1" in html and "Bài kiểm tra 2" in html and "Lưu điểm" in html


def test_tab_moves_down_a_column(client, cast, klass):
    client.force_login(cast.local)
    rows = client.get(sheet_url(klass)).context["rows"]
    first_column = [row["cells"][0]["tabindex"] for row in rows]
    second_column = [row["cells"][1]["tabindex"] for row in rows]
    assert first_column == [1, 2, 3, 4] and second_column == [5, 6, 7, 8]


def test_saving_the_sheet_writes_the_scores_and_works_out_the_outcomes(client, cast, klass):
    first, second = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    client.force_login(cast.local)
    response = client.post(
        sheet_url(klass), {scoring.cell_name(hoa.pk, first.pk): "7,5", scoring.cell_name(hoa.pk, second.pk): "4.75"}
    )
    assert response.status_code == 302
    assert {s.assessment_id: s.value for s in Score.objects.filter(enrolment=hoa)} == {
        first.pk: Decimal("7.50"),
        second.pk: Decimal("4.75"),
    }
    assert Score.objects.filter(enrolment=hoa, source=ScoreSource.ENTRY, recorded_by=cast.local).count() == 2
    hoa.refresh_from_db()
    assert hoa.outcome == "failed" and hoa.final_score == Decimal("6.13")
    page = client.get(response.url).content.decode()
    assert "Đã lưu 2 điểm." in page
    assert "1 bài kiểm tra dưới điểm đạt (5 điểm)." in page


def test_a_learner_passes_once_every_test_is_at_or_above_five(client, cast, klass):
    first, second = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    client.force_login(cast.local)
    client.post(sheet_url(klass), {scoring.cell_name(hoa.pk, first.pk): "5", scoring.cell_name(hoa.pk, second.pk): ""})
    hoa.refresh_from_db()
    assert hoa.outcome == "pending" and hoa.reasons == [["score_missing", {"count": 1}]]
    client.post(sheet_url(klass), {scoring.cell_name(hoa.pk, second.pk): "9"})
    hoa.refresh_from_db()
    assert hoa.outcome == "passed" and hoa.reasons == []


def test_a_bad_score_names_the_learner_and_the_test_and_nothing_is_saved(client, cast, klass):
    first, second = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    an = Enrolment.objects.get(training_class=klass, staff__code="GV-A-002")
    client.force_login(cast.local)
    response = client.post(
        sheet_url(klass), {scoring.cell_name(an.pk, first.pk): "8", scoring.cell_name(hoa.pk, second.pk): "12"}
    )
    assert response.status_code == 400
    assert not Score.objects.exists()
    html = response.content.decode()
    assert "Nguyễn Thị Hoà (GV-A-001), Bài kiểm tra 2: 12 nằm ngoài thang điểm: hãy nhập điểm từ 0 đến 10." in html
    assert 'value="8"' in html and 'value="12"' in html  # what was typed is kept to be corrected


def test_emptying_a_cell_removes_its_score(client, cast, klass):
    first, _second = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    scoring.save_scores(klass, {(hoa.pk, first.pk): Decimal("6")})
    client.force_login(cast.local)
    client.post(sheet_url(klass), {scoring.cell_name(hoa.pk, first.pk): ""})
    assert not Score.objects.exists()


def test_only_the_cells_changed_since_the_sheet_was_loaded_are_written(client, cast, klass):
    """Two people at the sheet: a score the other saved meanwhile is not put back by a stale page."""
    first, _second = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    an = Enrolment.objects.get(training_class=klass, staff__code="GV-A-002")
    client.force_login(cast.local)
    loaded = client.get(sheet_url(klass)).context["loaded"]
    scoring.save_scores(klass, {(hoa.pk, first.pk): Decimal("9")})  # someone else, meanwhile
    client.post(
        sheet_url(klass),
        {"loaded": loaded, scoring.cell_name(hoa.pk, first.pk): "", scoring.cell_name(an.pk, first.pk): "6"},
    )
    assert Score.objects.get(enrolment=hoa).value == Decimal("9")
    assert Score.objects.get(enrolment=an).value == Decimal("6")


def test_saving_a_big_sheet_takes_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    training_class = make_class(cast.tree.commune, year=2027, code="LON-01", tests=3)
    people = [make_staff(cast.tree.school_a, f"Nguyễn Văn Số{i:02d}", code=f"GV-N-{i:03d}") for i in range(40)]
    enrolments = enrol(training_class, *people)
    tests = assessments_of(training_class)
    data = {scoring.cell_name(e.pk, t.pk): "7,5" for e in enrolments for t in tests}
    client.force_login(cast.local)
    with django_assert_max_num_queries(40):
        response = client.post(sheet_url(training_class), data)
    assert response.status_code == 302
    assert Score.objects.count() == 120
    with django_assert_max_num_queries(20):
        assert client.get(sheet_url(training_class)).status_code == 200


def test_a_principal_below_reads_the_rows_of_their_school_without_inputs(client, cast, klass):
    client.force_login(cast.principal_a)
    response = client.get(sheet_url(klass))
    assert response.status_code == 200
    assert [row["enrolment"].staff.code for row in response.context["rows"]] == ["GV-A-002", "GV-A-003", "GV-A-001"]
    assert 'inputmode="decimal"' not in response.content.decode()
    first, _ = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    assert client.post(sheet_url(klass), {scoring.cell_name(hoa.pk, first.pk): "9"}).status_code == 404
    assert not Score.objects.exists()


def test_a_learner_sees_only_their_own_row(client, cast, klass):
    client.force_login(cast.teacher_a)
    rows = client.get(sheet_url(klass)).context["rows"]
    assert [row["enrolment"].staff.code for row in rows] == ["GV-A-001"]


def test_an_outsider_gets_404(client, cast, klass):
    client.force_login(cast.principal_b)
    assert client.get(sheet_url(klass)).status_code == 404
    assert client.get(reverse("delivery:tests", args=[klass.pk])).status_code == 404


def test_every_url_of_this_area_is_404_for_the_outsider(client, cast, programmes):
    client.force_login(cast.principal_b)
    for name, pk in scope_scores.records(cast).items():
        url = reverse(name, kwargs={"pk": pk})
        answers = {
            client.get(url).status_code,
            client.post(url).status_code,
            client.put(url, content_type="application/json").status_code,
        }
        assert answers <= {404, 405} and 404 in answers, f"{name}: {answers}"


# Tests of a class -----------------------------------------------------------------------------------------


def test_a_test_is_added_and_everybody_needs_a_score_on_it(client, cast, klass):
    first, second = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    scoring.save_scores(klass, {(hoa.pk, first.pk): Decimal("8"), (hoa.pk, second.pk): Decimal("8")})
    hoa.refresh_from_db()
    assert hoa.outcome == "passed"
    client.force_login(cast.local)
    response = client.post(reverse("delivery:tests", args=[klass.pk]), {"title": "Bài thu hoạch", "kind": "assignment"})
    assert response.status_code == 302
    assert klass.assessments.get(title="Bài thu hoạch").position == 2
    hoa.refresh_from_db()
    assert hoa.outcome == "pending"


def test_two_tests_cannot_share_a_name(client, cast, klass):
    client.force_login(cast.local)
    response = client.post(reverse("delivery:tests", args=[klass.pk]), {"title": "bài kiểm tra 1", "kind": "test"})
    assert response.status_code == 400
    assert "Lớp đã có bài kiểm tra tên “bài kiểm tra 1”." in response.content.decode()


def test_a_quiz_needs_a_module_of_the_class(client, cast, klass):
    client.force_login(cast.local)
    response = client.post(reverse("delivery:tests", args=[klass.pk]), {"title": "Trắc nghiệm", "kind": "quiz"})
    assert response.status_code == 400
    assert "Bài kiểm tra trực tuyến rút câu hỏi từ ngân hàng câu hỏi của một mô đun" in response.content.decode()


def test_a_test_is_renamed(client, cast, klass):
    first, _ = assessments_of(klass)
    client.force_login(cast.local)
    response = client.post(reverse("delivery:test-edit", args=[first.pk]), {"title": "Kiểm tra giữa khoá"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.title == "Kiểm tra giữa khoá"


def test_removing_a_test_with_scores_asks_for_confirmation(client, cast, klass):
    first, second = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    scoring.save_scores(klass, {(hoa.pk, first.pk): Decimal("3"), (hoa.pk, second.pk): Decimal("8")})
    client.force_login(cast.local)
    url = reverse("delivery:test-remove", args=[first.pk])
    page = client.get(url).content.decode()
    assert "Bài này có 1 điểm, sẽ bị xoá cùng." in page
    response = client.post(url)
    assert Assessment.objects.filter(pk=first.pk).exists()
    assert "Hãy xác nhận xoá bài kiểm tra cùng các điểm đó." in response.content.decode()
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert not Assessment.objects.filter(pk=first.pk).exists()
    hoa.refresh_from_db()
    assert hoa.outcome == "passed"  # the failed test went with its score


def test_the_tests_page_warns_the_runners_of_a_quiz_bank_too_small(client, cast, programmes):
    from bdtx.catalog.models import TrainingModule

    module = TrainingModule.objects.get(code="GVPT 04")
    training_class = make_class(cast.tree.commune, year=2027, code="TX-01", modules=[module], tests=0)
    scoring.add_test(training_class, title="Trắc nghiệm cuối mô đun", kind=AssessmentKind.QUIZ, module=module)
    client.force_login(cast.local)
    page = client.get(reverse("delivery:tests", args=[training_class.pk])).content.decode()
    assert "Ngân hàng câu hỏi của GVPT 04 có 0 câu đang dùng; “Trắc nghiệm cuối mô đun” cần rút 20 câu." in page


# Excel ----------------------------------------------------------------------------------------------------


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_lists_the_learners_and_the_tests_with_the_scores_so_far(client, cast, klass):
    first, _ = assessments_of(klass)
    scoring.save_scores(klass, {(enrolment_of(klass, cast.member_a).pk, first.pk): Decimal("7.5")})
    client.force_login(cast.local)
    response = client.get(reverse("delivery:scores-template", args=[klass.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Mã định danh", "Họ và tên", "Đơn vị", "Bài kiểm tra 1", "Bài kiểm tra 2"]
    assert [row[0] for row in rows[1:]] == ["GV-A-002", "GV-A-003", "GV-B-001", "GV-A-001"]
    assert rows[4][3] == 7.5 and rows[4][4] is None


def test_an_import_with_a_bad_row_saves_nothing_and_names_row_and_column(client, cast, klass):
    client.force_login(cast.local)
    content = workbook(
        [
            ["Mã định danh", "Họ và tên", "Bài kiểm tra 1", "Bài kiểm tra 2"],
            ["GV-A-001", "Nguyễn Thị Hoà", 8, "7,5"],
            ["GV-A-002", "Trần Văn An", "mười", 6],
            ["GV-X-999", "Không có", 5, 5],
        ]
    )
    response = client.post(
        reverse("delivery:scores-import", args=[klass.pk]), {"file": SimpleUploadedFile("diem.xlsx", content)}
    )
    assert response.status_code == 400
    assert not Score.objects.exists()
    errors = response.context["outcome"].errors
    assert [(e["row"], e["column"]) for e in errors] == [(3, "Bài kiểm tra 1"), (4, "Mã định danh")]
    assert "Không có ai có Mã định danh “GV-X-999” ghi danh trong lớp này." in errors[1]["message"]


def test_a_good_import_is_saved_in_one_go_and_blank_cells_keep_their_scores(client, cast, klass):
    first, second = assessments_of(klass)
    hoa = enrolment_of(klass, cast.member_a)
    scoring.save_scores(klass, {(hoa.pk, second.pk): Decimal("9")})
    client.force_login(cast.local)
    content = workbook(
        [
            ["BẢNG ĐIỂM LỚP TOAN-01"],
            ["mã định danh", "Bài kiểm tra 1", "Bài kiểm tra 2"],
            ["gv-a-001", 8, None],
            ["GV-A-002", "6,5", 5],
        ]
    )
    response = client.post(
        reverse("delivery:scores-import", args=[klass.pk]), {"file": SimpleUploadedFile("diem.xlsx", content)}
    )
    assert response.status_code == 302
    assert Score.objects.get(enrolment=hoa, assessment=first).value == Decimal("8")
    assert Score.objects.get(enrolment=hoa, assessment=second).value == Decimal("9")
    assert Score.objects.filter(source=ScoreSource.IMPORT).count() == 3
    hoa.refresh_from_db()
    assert hoa.outcome == "passed"
    assert "Đã lưu từ diem.xlsx: thêm 3 điểm, sửa 0, giữ nguyên 0." in client.get(response.url).content.decode()


def test_a_file_without_a_test_column_is_refused(client, cast, klass):
    client.force_login(cast.local)
    content = workbook([["Mã định danh", "Điểm"], ["GV-A-001", 8]])
    response = client.post(
        reverse("delivery:scores-import", args=[klass.pk]), {"file": SimpleUploadedFile("diem.xlsx", content)}
    )
    assert "Không có cột nào mang tên một bài kiểm tra của lớp." in response.content.decode()
