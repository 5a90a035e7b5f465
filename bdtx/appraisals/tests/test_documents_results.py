"""The results of a cycle as an .xlsx, read back with openpyxl."""

import io
import logging

import openpyxl
import pytest
from django.urls import reverse

from bdtx.appraisals import services
from bdtx.testing import make_staff, make_unit

from .documents_scene import build_scene


@pytest.fixture
def scene(cast, standards):
    return build_scene(cast, standards)


def rows_of(response) -> list[tuple]:
    assert response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


def results(client, user, cycle, **query):
    client.force_login(user)
    return client.get(reverse("appraisals:results-xlsx", args=[cycle.pk]), query)


def test_the_results_have_one_row_per_appraised_person_with_levels_ratings_and_status(client, cast, scene):
    response = results(client, cast.principal_a, scene.cycle)
    assert response.status_code == 200
    assert "ket-qua-danh-gia-TA-" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header[:4] == ("Mã định danh", "Họ và tên", "Đơn vị", "Chuẩn")
    # As many criterion columns as the longest standard among the rows: the principal's TT 14 has 18.
    assert header[4:23] == (*(f"Tự đánh giá TC{n}" for n in range(1, 19)), "Tự xếp loại")
    assert header[23:42] == (*(f"Đánh giá TC{n}" for n in range(1, 19)), "Xếp loại")
    assert header[42:] == ("Tự đánh giá", "Đánh giá")
    # Vietnamese name order, by given name (Ánh, Bình, Hoà); Đào has not started, so has no row.
    assert [row[1] for row in rows] == ["Lê Thị Ánh", "Đặng Văn Bình", "Nguyễn Thị Hoà"]
    hoa = dict(zip(header, rows[2], strict=True))
    assert (hoa["Mã định danh"], hoa["Đơn vị"], hoa["Chuẩn"]) == ("GV-A-001", "Trường Tiểu học Tân Phong", "tt20-2018")
    assert (hoa["Tự đánh giá TC1"], hoa["Tự đánh giá TC2"], hoa["Tự xếp loại"]) == ("Tốt", "Đạt", "Khá")
    assert (hoa["Đánh giá TC2"], hoa["Xếp loại"]) == ("Khá", "Khá")
    assert (hoa["Tự đánh giá"], hoa["Đánh giá"]) == ("Đã nộp", "Đã xác nhận")
    head = dict(zip(header, rows[0], strict=True))
    assert head["Chuẩn"] == "tt14-2018" and head["Tự đánh giá TC18"] is None and head["Tự đánh giá"] == "Chưa nộp"
    assert hoa["Tự đánh giá TC16"] is None  # TT 20 has 15 criteria


def test_a_draft_evaluation_is_not_written_as_a_result(client, cast, scene):
    services.reopen_evaluation(scene.hoa, by=cast.local, reason="Cần xem lại tiêu chí 2 theo minh chứng.")
    header, *rows = rows_of(results(client, cast.principal_a, scene.cycle))
    hoa = dict(zip(header, rows[-1], strict=True))
    assert hoa["Đánh giá TC2"] is None and hoa["Xếp loại"] is None and hoa["Đánh giá"] == "Đang đánh giá"


def test_an_officer_narrows_the_results_to_a_unit_of_the_cycle(client, cast, scene):
    other = make_unit("TC", "Trường THCS Tân Phong", parent=cast.tree.commune, levels="thcs")
    services.start_appraisal(scene.cycle, make_staff(other, "Vũ Văn An", levels="thcs"))
    _header, *rows = rows_of(results(client, cast.local, scene.cycle))
    assert {row[2] for row in rows} == {"Trường Tiểu học Tân Phong", "Trường THCS Tân Phong"}
    _header, *rows = rows_of(results(client, cast.local, scene.cycle, unit=other.pk))
    assert [row[1] for row in rows] == ["Vũ Văn An"]


def test_the_export_is_logged(client, cast, scene, caplog):
    with caplog.at_level(logging.INFO, logger="bdtx.exports"):
        results(client, cast.local, scene.cycle)
    assert "user=local exported appraisal results" in caplog.text and "rows=3" in caplog.text


def test_a_unit_that_is_not_a_number_gets_a_clear_message(client, cast, scene):
    response = results(client, cast.local, scene.cycle, unit="TA")
    assert response.status_code == 400
    assert "“unit” phải là số của một đơn vị" in response.content.decode()


def test_an_outsider_gets_404_for_the_results_and_for_a_unit_outside_their_part(client, cast, scene, tree):
    assert results(client, cast.principal_b, scene.cycle).status_code == 404
    assert results(client, cast.principal_a, scene.cycle, unit=tree.commune.pk).status_code == 404


def test_a_teacher_cannot_export_the_results(client, cast, scene):
    assert results(client, cast.teacher_a, scene.cycle).status_code == 404


def test_the_export_reads_a_bounded_number_of_queries_whatever_the_number_of_people(
    client, cast, scene, django_assert_max_num_queries
):
    client.force_login(cast.local)
    url = reverse("appraisals:results-xlsx", args=[scene.cycle.pk])
    with django_assert_max_num_queries(9):
        b"".join(client.get(url).streaming_content)
    for number in range(6):
        services.start_appraisal(scene.cycle, make_staff(cast.tree.school_a, f"Lò Văn Số {number}", levels="tieu_hoc"))
    with django_assert_max_num_queries(9):
        _header, *rows = rows_of(client.get(url))
    assert len(rows) == 9
