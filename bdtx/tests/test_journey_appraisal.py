"""The yearly appraisal in a real browser (Debian's Chromium through Playwright): a teacher self-assesses with
evidence and submits → a colleague of the subject group gives an opinion → the principal evaluates the whole
group on one screen, sees the warnings, acknowledges and confirms → the teacher sees the rating and the
training needs. Screenshots of every step are kept under var/screenshots/ for review."""

import pytest
from playwright.sync_api import expect

from bdtx.accounts.models import Role
from bdtx.appraisals import services
from bdtx.appraisals.models import Appraisal, Opinion, TrainingNeed
from bdtx.testing import make_cycle, make_staff, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_self_assesses_a_colleague_gives_an_opinion_and_the_principal_evaluates_the_group(
    page, cast, standards, tmp_path
):
    cycle = make_cycle(cast.tree.commune, by=cast.local)
    colleague_user = make_user("gv.binh", role=Role.TEACHER, unit=cast.tree.school_a)
    colleague = make_staff(cast.tree.school_a, "Phạm Văn Bình", code="GV-A-002", user=colleague_user)
    group = services.save_group(
        unit=cast.tree.school_a, name="Tổ 1-2-3", leader=colleague, members=[cast.member_a, colleague]
    )
    own = services.start_appraisal(cycle, colleague)
    services.save_self_assessment(own, by=colleague_user, levels=dict.fromkeys(range(1, 16), "kha"))
    services.submit_self_assessment(own, by=colleague_user)

    # The teacher: evidence first, then a level for every criterion (saved as she goes), then submit.
    page.sign_in("teacher_a", "/appraisals/mine/")
    expect(page.locator("h1")).to_contain_text("Nguyễn Thị Hoà")
    page.shot("appraisal-01-self-assessment")
    evidence_file = tmp_path / "ke-hoach-day-hoc.pdf"
    evidence_file.write_bytes(b"%PDF-1.4 ke hoach day hoc")
    page.select_option("#ev_criterion", "3")
    page.fill("#ev_title", "Kế hoạch dạy học môn Toán lớp 4")
    page.set_input_files("#ev_file", str(evidence_file))
    page.click("form[enctype] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Đã thêm minh chứng")
    for number in range(1, 16):
        level = "dat" if number == 14 else "kha"
        page.check(f"input[name=level-{number}][value={level}]")
    page.fill("#strengths", "Nhiệt tình, gần gũi học sinh")
    page.fill("#development_plan", "Học thêm về kiểm tra, đánh giá theo năng lực")
    expect(page.locator("#save-status")).to_contain_text("Đã lưu nháp lúc")
    page.shot("appraisal-02-autosaved")
    page.click("button[value=submit]")
    expect(page.locator("h1")).to_contain_text("Đã nộp phiếu tự đánh giá")
    expect(page.locator("main")).to_contain_text("Khá")
    page.shot("appraisal-03-submitted")
    appraisal = Appraisal.objects.get(cycle=cycle, staff=cast.member_a)
    assert (appraisal.self_status, appraisal.self_rating) == ("submitted", "kha")

    # The colleague gives an opinion on her (form 02).
    page.sign_in("gv.binh", f"/appraisals/cycles/{cycle.pk}/opinions/")
    page.check(f"input[name=rating-{cast.member_a.pk}][value=tot]")
    page.fill(f"#strengths-{cast.member_a.pk}", "Soạn bài kỹ, hỗ trợ đồng nghiệp")
    page.shot("appraisal-04-opinions")
    page.click("main form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Đã lưu ý kiến")
    assert Opinion.objects.get(author=colleague).rating == "tot"

    # The principal evaluates the whole group: check, see the warnings, acknowledge, confirm.
    page.sign_in("principal_a", f"/appraisals/groups/{group.pk}/evaluate/?cycle={cycle.pk}")
    expect(page.locator("h1")).to_contain_text("Tổ 1-2-3")
    page.click("button[value=check]")
    expect(page.locator(".flags").first).to_contain_text("không có minh chứng")
    page.shot("appraisal-05-bulk-warnings")
    page.click("button[value=confirm]")
    page.check("input[name=acknowledge]")
    page.shot("appraisal-06-acknowledge")
    page.click("button[value=confirm]")
    expect(page.locator(".messages")).to_contain_text("Đã xác nhận và khoá 2 kết quả đánh giá")
    page.shot("appraisal-07-confirmed")
    appraisal.refresh_from_db()
    assert (appraisal.evaluation_status, appraisal.final_rating) == ("confirmed", "kha")

    # The teacher sees her rating and the training need from her lowest criterion.
    page.sign_in("teacher_a", "/appraisals/mine/")
    expect(page.locator("main")).to_contain_text("Đã xác nhận")
    expect(page.locator("main")).to_contain_text("Sử dụng ngoại ngữ hoặc tiếng dân tộc")
    page.shot("appraisal-08-rating-and-needs")
    assert [n.criterion.number for n in TrainingNeed.objects.filter(staff=cast.member_a, source="rating")] == [14]
