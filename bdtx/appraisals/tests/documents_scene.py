"""The small appraisal cycle the document tests print from: a cycle at the commune (school A only), a subject
group of three teachers at school A led by member_a (Nguyễn Thị Hoà), her self-assessment with evidence,
two colleagues' opinions of her, her evaluation confirmed by the principal, and the principal's own appraisal
with two staff opinions of her."""

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from bdtx.appraisals import services
from bdtx.testing import make_cycle, make_staff

# Criterion 1 Tốt, 2 Đạt, the rest Khá: Khá under TT 20 (all ≥ Đạt, 14/15 ≥ Khá, core 3–7 at Khá).
HOA_LEVELS = {1: "tot", 2: "dat", **dict.fromkeys(range(3, 16), "kha")}
FINAL_LEVELS = {1: "tot", 2: "kha", **dict.fromkeys(range(3, 16), "kha")}


def build_scene(cast, standards) -> SimpleNamespace:
    school = cast.tree.school_a
    cycle = make_cycle(cast.tree.commune, by=cast.local)
    binh = make_staff(school, "Đặng Văn Bình", code="GV-A-002", gender="nam", levels="tieu_hoc", subjects="Toán")
    dao = make_staff(school, "Trần Thị Đào", code="GV-A-003", levels="tieu_hoc")
    cast.member_a.levels, cast.member_a.subjects = "tieu_hoc", "Tiếng Việt"
    cast.member_a.save()
    head = make_staff(
        school, "Lê Thị Ánh", code="HT-A-001", group="manager", position="Hiệu trưởng", levels="tieu_hoc",
        user=cast.principal_a,
    )  # fmt: skip
    group = services.save_group(unit=school, name="Tổ 1-2", leader=cast.member_a, members=[cast.member_a, binh, dao])

    hoa = services.start_appraisal(cycle, cast.member_a)
    services.save_self_assessment(
        hoa,
        by=cast.teacher_a,
        levels=HOA_LEVELS,
        strengths="Nhiệt tình, gần gũi học sinh.",
        weaknesses="Cần ứng dụng công nghệ thông tin nhiều hơn.",
        development_plan="Học mô đun ứng dụng CNTT trong dạy học.",
    )
    services.add_evidence(
        hoa, by=cast.teacher_a, title="Giấy khen giáo viên dạy giỏi", criterion_number=1, description="Năm 2025"
    )
    services.add_evidence(
        hoa,
        by=cast.teacher_a,
        title="Kế hoạch bài dạy",
        criterion_number=3,
        upload=SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )
    services.submit_self_assessment(hoa, by=cast.teacher_a)

    services.give_opinions(
        author=binh,
        cycle=cycle,
        by=cast.teacher_a,
        entries=[
            {"staff": cast.member_a, "rating": "tot", "strengths": "Tận tụy"},
            {"staff": head, "rating": "kha", "strengths": "Quyết đoán", "weaknesses": "Ít dự giờ"},
        ],
    )
    services.give_opinions(
        author=dao,
        cycle=cycle,
        by=cast.teacher_a,
        entries=[
            {"staff": cast.member_a, "rating": "kha"},
            {"staff": head, "rating": "tot", "strengths": "Gần gũi giáo viên"},
        ],
    )
    services.give_opinions(
        author=cast.member_a,
        cycle=cycle,
        by=cast.teacher_a,
        entries=[{"staff": binh, "rating": "kha", "strengths": "Chăm chỉ", "weaknesses": "Chưa đổi mới phương pháp"}],
    )
    hoa.refresh_from_db()
    services.confirm_evaluations(
        [services.EvaluationRow(hoa, dict(FINAL_LEVELS), "Hoàn thành tốt nhiệm vụ.")],
        by=cast.principal_a,
        acknowledged=True,
    )
    hoa.refresh_from_db()
    head_appraisal = services.start_appraisal(cycle, head)
    return SimpleNamespace(
        cycle=cycle, group=group, binh=binh, dao=dao, head=head, hoa=hoa, head_appraisal=head_appraisal
    )
