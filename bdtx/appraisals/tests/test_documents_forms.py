"""The printed forms (PDF): what they say is read back with pypdf, as a reader of the file would see it."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bdtx.accounts.models import Role
from bdtx.appraisals import services
from bdtx.testing import make_staff, make_user

from .documents_scene import build_scene


@pytest.fixture
def scene(cast, standards):
    return build_scene(cast, standards)


def pdf_text(response) -> str:
    """The text of every page, with line breaks (where long cells and titles wrap) read as spaces."""
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def get(client, user, name, pk, **query):
    client.force_login(user)
    return client.get(reverse(f"appraisals:{name}", args=[pk]), query)


def filename(response) -> str:
    return response["Content-Disposition"].split("filename=")[1].strip('"')


def test_form_01_prints_the_self_assessment_with_its_marks_evidence_comments_and_rating(client, cast, scene):
    response = get(client, cast.teacher_a, "form-01", scene.hoa.pk)
    assert response.status_code == 200
    text = pdf_text(response)
    assert "PHIẾU TỰ ĐÁNH GIÁ CỦA GIÁO VIÊN CƠ SỞ GIÁO DỤC PHỔ THÔNG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Biểu mẫu 01" in text and "TRƯỜNG TIỂU HỌC TÂN PHONG" in text
    assert "Họ và tên giáo viên: Nguyễn Thị Hoà" in text
    assert "Môn dạy: Tiếng Việt" in text and "Tỉnh/Thành phố: Lai Châu" in text and "Phường Tân Phong" in text
    assert "TT Tiêu chí CĐ Đ K T Minh chứng" in text
    assert "Tiêu chuẩn 1. Phẩm chất nhà giáo" in text
    assert "1 Đạo đức nhà giáo x Giấy khen giáo viên dạy giỏi" in text
    assert "3 Phát triển chuyên môn bản thân x Kế hoạch bài dạy" in text
    assert "Nhiệt tình, gần gũi học sinh." in text and "Cần ứng dụng công nghệ thông tin nhiều hơn." in text
    assert "4. Tự xếp loại kết quả đánh giá: Khá" in text
    day = scene.hoa.self_submitted_at
    assert "NGƯỜI TỰ ĐÁNH GIÁ" in text and "Tân Phong, ngày " in text and f"năm {day.year}" in text
    assert "BẢN NHÁP" not in text
    assert filename(response) == f"bieu-mau-01-GV-A-001-{scene.cycle.school_year}.pdf"


def test_a_draft_self_assessment_prints_marked_as_a_draft_with_blanks_to_fill_in(client, cast, scene):
    response = get(client, cast.principal_a, "form-01", scene.head_appraisal.pk)
    text = pdf_text(response)
    assert "PHIẾU HIỆU TRƯỞNG TỰ ĐÁNH GIÁ" in text
    assert "BẢN NHÁP: phiếu tự đánh giá chưa được nộp" in text
    assert "Họ và tên người tự đánh giá: Lê Thị Ánh" in text and "Cấp học: Tiểu học" in text
    assert "ngày …… tháng …… năm ……" in text


def test_a_preschool_teachers_form_01_has_the_preschool_title(client, cast, standards):
    from bdtx.testing import make_cycle, make_unit

    preschool = make_unit("MN", "Trường Mầm non Tân Phong", parent=cast.tree.commune, levels="mam_non")
    cycle = make_cycle(cast.tree.commune)
    appraisal = services.start_appraisal(cycle, make_staff(preschool, "Vàng Thị Mỷ", levels="mam_non"))
    text = pdf_text(get(client, cast.local, "form-01", appraisal.pk))
    assert "PHIẾU TỰ ĐÁNH GIÁ CỦA GIÁO VIÊN MẦM NON" in text and "Vàng Thị Mỷ" in text


def test_form_02_lists_the_authors_colleagues_with_their_marks_and_comments(client, cast, scene):
    response = get(client, cast.teacher_a, "form-02", scene.cycle.pk)
    assert response.status_code == 200
    text = pdf_text(response)
    assert "PHIẾU LẤY Ý KIẾN CỦA ĐỒNG NGHIỆP TRONG TỔ CHUYÊN MÔN" in text and "Biểu mẫu 02" in text
    assert "Tổ chuyên môn: Tổ 1-2" in text and "Người cho ý kiến: Nguyễn Thị Hoà" in text
    # In Vietnamese name order (Bình before Đào); Đào has no opinion yet: a blank row to fill in by hand.
    assert "1 Đặng Văn Bình x Chăm chỉ Chưa đổi mới phương pháp" in text
    assert "2 Trần Thị Đào" in text
    assert "Lê Thị Ánh" not in text  # the opinions on the principal go to the principal's summary
    assert filename(response) == f"bieu-mau-02-GV-A-001-{scene.cycle.school_year}.pdf"


def test_someone_without_a_staff_record_gets_404_for_form_02(client, cast, scene):
    assert get(client, cast.local, "form-02", scene.cycle.pk).status_code == 404


def test_form_03_shows_the_counts_computed_from_the_opinions(client, cast, scene):
    response = get(client, cast.teacher_a, "form-03", scene.group.pk, cycle=scene.cycle.pk)  # the group leader
    assert response.status_code == 200
    text = pdf_text(response)
    assert "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ CỦA ĐỒNG NGHIỆP TRONG" in text and "Biểu mẫu 03" in text
    assert "TT Họ và tên giáo viên Tốt Khá Đạt" in text
    assert "1 Đặng Văn Bình 0 1 0 0 1" in text
    assert "2 Trần Thị Đào 0 0 0 0 0" in text
    assert "3 Nguyễn Thị Hoà 1 1 0 0 2" in text
    assert "TỔ TRƯỞNG CHUYÊN MÔN" in text
    assert filename(response) == f"bieu-mau-03-TA-To-1-2-{scene.cycle.school_year}.pdf"


def test_form_03_takes_the_latest_cycle_when_none_is_given(client, cast, scene):
    text = pdf_text(get(client, cast.principal_a, "form-03", scene.group.pk))
    assert "3 Nguyễn Thị Hoà 1 1 0 0 2" in text


def test_form_03_says_what_is_wrong_with_a_cycle_that_is_not_a_number(client, cast, scene):
    response = get(client, cast.principal_a, "form-03", scene.group.pk, cycle="2025-2026")
    assert response.status_code == 400
    assert "“cycle” phải là số của một đợt đánh giá" in response.content.decode()


def test_a_member_who_does_not_lead_the_group_gets_404_for_form_03(client, cast, scene):
    binh = make_user("binh", role=Role.TEACHER, unit=cast.tree.school_a)
    scene.binh.user = binh
    scene.binh.save()
    assert get(client, binh, "form-03", scene.group.pk).status_code == 404


def test_form_04_lists_the_teachers_with_the_heads_levels_and_totals(client, cast, scene):
    response = get(client, cast.principal_a, "form-04", scene.cycle.pk, unit=cast.tree.school_a.pk)
    assert response.status_code == 200
    text = pdf_text(response)
    assert "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO VIÊN CỦA CƠ SỞ GIÁO DỤC" in text and "Biểu mẫu 04" in text
    assert "2 Nguyễn Thị Hoà T K K K K K K K K K K K K K K Khá 1/1/0/0 Khá" in text
    assert "1 Đặng Văn Bình 0/1/0/0 Chưa đánh giá" in text
    assert "Khá 1 1 50,0%" in text and "Chưa xếp loại 1 1 50,0%" in text and "Tổng 2 2 100,0%" in text
    assert "Lê Thị Ánh" not in text  # the principal is not a teacher of form 04
    assert filename(response) == f"bieu-mau-04-TA-{scene.cycle.school_year}.pdf"


def test_form_04_asks_for_one_school_when_given_a_unit_with_schools_under_it(client, cast, scene):
    response = get(client, cast.local, "form-04", scene.cycle.pk)  # the cycle's unit: the commune
    assert response.status_code == 400
    assert "Biểu mẫu 04 được lập cho từng trường" in response.content.decode()
    response = get(client, cast.local, "form-04", scene.cycle.pk, unit="TA")
    assert response.status_code == 400 and "“unit” phải là số của một đơn vị" in response.content.decode()


def test_form_04_reads_a_bounded_number_of_queries_whatever_the_number_of_teachers(
    client, cast, scene, django_assert_max_num_queries
):
    client.force_login(cast.principal_a)
    url = reverse("appraisals:form-04", args=[scene.cycle.pk]) + f"?unit={cast.tree.school_a.pk}"
    client.get(url)  # warm the per-process caches (translations, fonts)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    for number in range(6):
        services.start_appraisal(scene.cycle, make_staff(cast.tree.school_a, f"Lò Văn Số {number}", levels="tieu_hoc"))
    with django_assert_max_num_queries(10):
        text = pdf_text(client.get(url))
    assert "Lò Văn Số 5" in text


def test_the_principals_opinions_are_counted_by_level_without_their_authors(client, cast, scene):
    response = get(client, cast.local, "principal-opinions", scene.head_appraisal.pk)
    assert response.status_code == 200
    text = pdf_text(response)
    assert "BẢNG TỔNG HỢP Ý KIẾN CỦA GIÁO VIÊN, NHÂN VIÊN VỀ HIỆU" in text
    assert "Lê Thị Ánh (Hiệu trưởng)" in text
    assert "Tốt 1 50,0%" in text and "Khá 1 50,0%" in text and "Tổng 2 100,0%" in text
    assert "- Quyết đoán" in text and "- Gần gũi giáo viên" in text and "- Ít dự giờ" in text
    assert "Đặng Văn Bình" not in text and "Trần Thị Đào" not in text


def test_the_principals_opinions_form_explains_that_a_teacher_has_none(client, cast, scene):
    response = get(client, cast.principal_a, "principal-opinions", scene.hoa.pk)
    assert response.status_code == 400
    assert "chỉ được lấy về hiệu trưởng, phó hiệu trưởng" in response.content.decode()


def test_the_evaluation_form_shows_self_and_final_levels_the_comment_and_the_rating(client, cast, scene):
    response = get(client, cast.teacher_a, "evaluation-form", scene.hoa.pk)  # confirmed: the person may print it
    assert response.status_code == 200
    text = pdf_text(response)
    assert "PHIẾU ĐÁNH GIÁ GIÁO VIÊN CỦA NGƯỜI ĐỨNG ĐẦU CƠ SỞ GIÁO DỤC" in text
    assert "2 Phong cách nhà giáo Đạt Khá" in text
    assert "Ý kiến đồng nghiệp (T · K · Đ · CĐ): T 1 · K 1 · Đ 0 · CĐ 0 (2)" in text
    assert "Nhận xét của người đánh giá: Hoàn thành tốt nhiệm vụ." in text
    assert "Xếp loại: Khá" in text and "NGƯỜI ĐƯỢC ĐÁNH GIÁ" in text and "principal_a" in text
    assert filename(response) == f"phieu-danh-gia-GV-A-001-{scene.cycle.school_year}.pdf"


def test_the_person_cannot_print_an_evaluation_that_is_not_confirmed(client, cast, scene):
    services.reopen_evaluation(scene.hoa, by=cast.local, reason="Cần xem lại tiêu chí 2 theo minh chứng.")
    response = get(client, cast.teacher_a, "evaluation-form", scene.hoa.pk)
    assert response.status_code == 409
    assert "Kết quả đánh giá của bạn chưa được xác nhận" in response.content.decode()
    text = pdf_text(get(client, cast.principal_a, "evaluation-form", scene.hoa.pk))
    assert "BẢN NHÁP: kết quả đánh giá chưa được xác nhận" in text


def test_a_principals_evaluation_is_issued_by_the_level_above(client, cast, scene):
    text = pdf_text(get(client, cast.local, "evaluation-form", scene.head_appraisal.pk))
    assert "PHIẾU ĐÁNH GIÁ HIỆU TRƯỞNG CỦA CẤP QUẢN LÝ TRỰC TIẾP" in text
    assert "UBND PHƯỜNG TÂN PHONG" in text and "SỞ GIÁO DỤC VÀ ĐÀO TẠO LAI CHÂU" in text
    assert "Ý kiến đồng nghiệp" not in text


URLS = [
    ("form-01", "hoa", {}),
    ("evaluation-form", "hoa", {}),
    ("principal-opinions", "head_appraisal", {}),
    ("form-02", "cycle", {}),
    ("form-03", "group", {"cycle": "cycle"}),
    ("form-04", "cycle", {"unit": "school_a"}),
    ("results-xlsx", "cycle", {"unit": "school_a"}),
]


def document_urls(cast, scene):
    records = {"school_a": cast.tree.school_a, "cycle": scene.cycle}
    for name, record, query in URLS:
        url = reverse(f"appraisals:{name}", args=[getattr(scene, record).pk])
        yield url, {key: records[value].pk for key, value in query.items()}


def test_an_outsider_gets_404_for_every_document(client, cast, scene):
    client.force_login(cast.principal_b)
    for url, query in document_urls(cast, scene):
        assert client.get(url, query).status_code == 404, url


def test_an_anonymous_visitor_is_asked_to_sign_in_for_every_document(client, cast, scene):
    for url, query in document_urls(cast, scene):
        response = client.get(url, query)
        assert response.status_code == 302 and reverse("accounts:login") in response.url, url


def test_a_teacher_cannot_print_the_schools_summaries(client, cast, scene):
    assert get(client, cast.teacher_a, "form-04", scene.cycle.pk).status_code == 404
    assert get(client, cast.teacher_a, "principal-opinions", scene.head_appraisal.pk).status_code == 404
