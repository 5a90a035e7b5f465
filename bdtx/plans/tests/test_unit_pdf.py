"""A unit plan printed like the official plans, read back with pypdf as a reader of the file would see it."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bdtx.plans import services
from bdtx.plans.models import PlanTopic

from .unit_scene import build_plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(cast, programmes):
    return build_plans(cast)


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_sos_plan_prints_as_an_official_plan_with_its_five_parts(client, cast, plans):
    services.save_unit_plan(
        plans.so,
        by=cast.officer,
        objectives="Nâng cao năng lực dạy học theo Chương trình GDPT 2018.",
        organisation="Tập trung kết hợp trực tuyến trong hè 2026.",
        outcomes="Giáo viên vận dụng được nội dung bồi dưỡng.",
        targets="100% giáo viên hoàn thành kế hoạch BDTX.",
    )
    client.force_login(cast.officer)
    response = client.get(reverse("plans:unit-plan-pdf", args=[plans.so.pk]))
    text = pdf_text(response)
    assert "SỞ GIÁO DỤC VÀ ĐÀO TẠO LAI CHÂU" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: ……/KH" in text and "Lai Châu, ngày …… tháng …… năm ……" in text
    assert "KẾ HOẠCH Bồi dưỡng thường xuyên giáo viên, cán bộ quản lý năm học 2026-2027" in text
    assert "DỰ THẢO (chưa được phê duyệt)" in text
    assert "Căn cứ Thông tư số 19/2019/TT-BGDĐT ngày 12/11/2019" in text
    assert "Căn cứ Thông tư 17/2019/TT-BGDĐT ngày 01/11/2019 ban hành Chương trình bồi dưỡng thường xuyên" in text
    order = [
        "I. MỤC ĐÍCH, YÊU CẦU Nâng cao năng lực dạy học theo Chương trình GDPT 2018.",
        "II. NỘI DUNG 1. Nội dung bồi dưỡng 01 (40 tiết)",
        "1 Chương trình GDPT 2018: đổi mới kiểm tra Tất cả 25 Sở Giáo dục và Đào tạo Lai Châu",
        "Tổng 40",
        "2. Nội dung bồi dưỡng 02 (40 tiết)",
        "Giáo dục địa phương tỉnh Lai Châu",
        "3. Nội dung bồi dưỡng 03 (40 tiết)",
        "GVPT 04",
        "III. HÌNH THỨC TỔ CHỨC Tập trung kết hợp trực tuyến trong hè 2026.",
        "IV. KẾT QUẢ ĐẦU RA, CHỈ TIÊU 1. Kết quả đầu ra Giáo viên vận dụng được nội dung bồi dưỡng.",
        "2. Chỉ tiêu 100% giáo viên hoàn thành kế hoạch BDTX.",
        "V. TỔ CHỨC THỰC HIỆN",
        "nộp để phê duyệt trước ngày 31/05/2026.",
        "trình Sở Giáo dục và Đào tạo Lai Châu phê duyệt.",
        "THỦ TRƯỞNG ĐƠN VỊ",
    ]
    positions = [text.find(part) for part in order]
    assert -1 not in positions, [part for part, at in zip(order, positions, strict=True) if at == -1]
    assert positions == sorted(positions)
    assert response["Content-Disposition"] == 'inline; filename="ke-hoach-bdtx-SO-2026-2027.pdf"'


def test_an_approved_school_plan_prints_its_inherited_topics_and_the_day_it_was_approved(client, cast, plans):
    PlanTopic.objects.create(
        plan=plans.school, content="02", title="Văn hoá dân tộc Thái", periods=5, levels="tieu_hoc"
    )
    services.submit_unit_plan(plans.school, by=cast.principal_a)
    plan = services.decide_unit_plan(plans.school, by=cast.local, approve=True)
    client.force_login(cast.teacher_a)
    text = pdf_text(client.get(reverse("plans:unit-plan-pdf", args=[plan.pk])))
    assert "UBND PHƯỜNG TÂN PHONG" in text and "TRƯỜNG TIỂU HỌC TÂN PHONG" in text
    assert "DỰ THẢO" not in text
    day = plan.decided_at.date()
    assert f"Tân Phong, ngày {day.day:02d} tháng" in text and f"năm {day.year}" in text
    assert "Căn cứ kế hoạch “Kế hoạch BDTX của UBND phường Tân Phong, năm học 2026-2027” của UBND phường" in text
    assert "Văn hoá dân tộc Thái Tiểu học 5 Trường Tiểu học Tân Phong" in text
    assert "Tổng 45" in text
    assert "2. Thủ trưởng đơn vị phê duyệt kế hoạch cá nhân" in text
    assert "3. Kế hoạch này được trình UBND phường Tân Phong phê duyệt." in text


def test_an_outsider_cannot_print_school_as_plan(client, cast, plans):
    client.force_login(cast.principal_b)
    assert client.get(reverse("plans:unit-plan-pdf", args=[plans.school.pk])).status_code == 404
