"""The standards pages: readable by anyone signed in; corrections and uploads for system administrators only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bdtx.accounts.models import Role
from bdtx.rules.models import Criterion, Standard
from bdtx.rules.views import number_ranges
from bdtx.testing import make_user

from .files import as_yaml, small_standard


@pytest.fixture
def admin(cast):
    return make_user("admin", role=Role.SYSTEM_ADMIN, unit=cast.tree.province)


def edit_url(code="tt20-2018", number=1):
    return reverse("standards:criterion-edit", args=[code, number])


def test_the_list_shows_every_standard_to_a_teacher(client, cast, standards, django_assert_max_num_queries):
    client.force_login(cast.teacher_a)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("standards:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Chuẩn nghề nghiệp giáo viên cơ sở giáo dục phổ thông" in page
    assert "Chuẩn hiệu trưởng cơ sở giáo dục mầm non" in page
    assert "15 tiêu chí chưa xác nhận" in page  # TT 25: every criterion is a placeholder
    assert "Tải lên tệp dữ liệu chuẩn" not in page


def test_the_detail_shows_descriptors_core_criteria_rules_and_sources(client, cast, standards):
    client.force_login(cast.teacher_a)
    response = client.get(reverse("standards:detail", args=["tt20-2018"]))
    page = response.content.decode()
    assert "Tiêu chuẩn 2: Phát triển chuyên môn, nghiệp vụ" in page
    assert "Xây dựng được kế hoạch dạy học và giáo dục" in page  # criterion 4, Đạt
    assert page.count(">cốt lõi</span>") == 5
    assert "tối thiểu 2/3 số tiêu chí (10/15) đạt từ mức Tốt trở lên" in page
    assert "các tiêu chí cốt lõi 3, 4, 5, 6, 7 đạt từ mức Tốt trở lên" in page
    assert "Công văn 4530/BGDĐT-NGCBQLGD" in page
    assert "Luật Nhà giáo số 73/2025/QH15" in page
    assert "từ 10/10/2018" in page


def test_a_teacher_sees_which_criteria_are_unconfirmed(client, cast, standards):
    client.force_login(cast.teacher_a)
    page = client.get(reverse("standards:detail", args=["tt14-2018"])).content.decode()
    assert "Chưa được đối chiếu với văn bản gốc" in page
    assert "Tên hoặc lời mô tả các mức của tiêu chí 4–18 chưa được xác nhận" in page
    assert page.count(">chưa xác nhận</span>") >= 15 + 2  # 15 criteria and the Đạt / Chưa đạt rules
    assert "chỉ có nguồn tiếng Anh" in page
    assert "more than 1/3 of the criteria not met" in page
    assert "Chưa có tiêu chí nào được xác nhận là thuộc tiêu chuẩn này." in page  # areas 2-5 of TT 14


def test_an_unknown_standard_is_404(client, cast, standards):
    client.force_login(cast.teacher_a)
    assert client.get(reverse("standards:detail", args=["tt99-2030"])).status_code == 404


@pytest.mark.parametrize("name", ["standards:list", "standards:new"])
def test_an_anonymous_visitor_is_asked_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_an_anonymous_visitor_is_asked_to_sign_in_for_a_standard(client, standards):
    response = client.get(reverse("standards:detail", args=["tt20-2018"]))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize("who", ["officer", "principal_a", "teacher_a"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_corrections_and_uploads_do_not_exist_for_others_than_system_admins(client, cast, standards, who, method):
    client.force_login(getattr(cast, who))
    for url in (edit_url(), reverse("standards:validity-edit", args=["tt20-2018"]), reverse("standards:new")):
        assert getattr(client, method)(url, {"title": "x"}).status_code == 404, url
    assert not Standard.objects.exclude(edited_at=None).exists()


def test_an_admin_corrects_a_criterion(client, admin, standards):
    client.force_login(admin)
    assert client.get(edit_url("tt26-2018", 3)).status_code == 200
    response = client.post(
        edit_url("tt26-2018", 3),
        {
            "title": " Phát triển  chuyên môn bản thân ",
            "dat": "Đạt chuẩn trình độ",
            "kha": "",
            "tot": "",
            "confirmed": "on",
        },
    )
    assert response.status_code == 302 and response.url.endswith("/standards/tt26-2018/#criterion-3")
    criterion = Criterion.objects.get(standard__code="tt26-2018", number=3)
    assert (criterion.title, criterion.descriptors, criterion.confirmed) == (
        "Phát triển chuyên môn bản thân",
        {"dat": "Đạt chuẩn trình độ"},
        True,
    )
    standard = criterion.standard
    assert standard.edited_by == admin and standard.edited_at is not None
    page = client.get(response.url).content.decode()
    assert "Đã lưu tiêu chí 3." in page and "được admin sửa trong ứng dụng lúc" in page


def test_a_criterion_without_a_title_is_refused_with_a_message(client, admin, standards):
    client.force_login(admin)
    response = client.post(edit_url(), {"title": "   ", "dat": "", "kha": "", "tot": ""})
    assert response.status_code == 200
    assert "Nhập tên tiêu chí đúng như câu chữ của Thông tư." in response.content.decode()
    assert Criterion.objects.get(standard__code="tt20-2018", number=1).title == "Đạo đức nhà giáo"


def test_a_criterion_number_the_standard_does_not_have_is_404(client, admin, standards):
    client.force_login(admin)
    assert client.get(edit_url("tt20-2018", 16)).status_code == 404


def test_an_admin_sets_the_validity_dates(client, admin, standards):
    client.force_login(admin)
    url = reverse("standards:validity-edit", args=["tt20-2018"])
    response = client.post(url, {"valid_from": "10/10/2018", "valid_until": "31/08/2026"})
    assert response.status_code == 302
    standard = Standard.objects.get(code="tt20-2018")
    assert standard.valid_until.isoformat() == "2026-08-31" and standard.edited_by == admin
    assert "từ 10/10/2018 đến 31/08/2026" in client.get(response.url).content.decode()


def test_validity_dates_in_the_wrong_order_are_refused(client, admin, standards):
    client.force_login(admin)
    url = reverse("standards:validity-edit", args=["tt20-2018"])
    response = client.post(url, {"valid_from": "10/10/2018", "valid_until": "01/01/2018"})
    assert response.status_code == 200
    assert "“Áp dụng đến ngày” đứng trước “Áp dụng từ ngày”. Sửa lại một trong hai ngày." in response.content.decode()
    response = client.post(url, {"valid_from": "32/10/2018", "valid_until": ""})
    assert "không phải là ngày" in response.content.decode()
    assert Standard.objects.get(code="tt20-2018").edited_at is None


def upload(client, data: dict, name: str = "tt99_2030.yaml"):
    return client.post(reverse("standards:new"), {"file": SimpleUploadedFile(name, as_yaml(data).encode())})


def test_an_admin_uploads_the_rule_file_of_a_new_circular(client, admin, standards):
    client.force_login(admin)
    assert client.get(reverse("standards:new")).status_code == 200
    response = upload(client, small_standard())
    assert response.status_code == 302 and response.url == reverse("standards:detail", args=["tt99-2030"])
    standard = Standard.objects.get(code="tt99-2030")
    assert standard.criteria.count() == 3 and standard.file_name == "tt99_2030.yaml"
    assert "tt99-2030: đã tạo mới (phiên bản 1, 3 tiêu chí)." in client.get(response.url).content.decode()


def test_an_invalid_upload_lists_every_problem_and_creates_nothing(client, admin, standards):
    client.force_login(admin)
    response = upload(client, small_standard(subject="x", criteria_count=4))
    page = response.content.decode()
    assert response.status_code == 200
    assert "tt99_2030.yaml, mục “subject”: “x” không hợp lệ: dùng teacher, principal." in page
    assert "tt99_2030.yaml, mục “criteria”: thiếu tiêu chí 4" in page
    assert not Standard.objects.filter(code="tt99-2030").exists()


def test_an_upload_of_the_same_version_of_a_corrected_standard_is_refused(client, admin, standards):
    client.force_login(admin)
    client.post(edit_url("tt20-2018", 2), {"title": "Phong cách nhà giáo", "confirmed": "on"})
    data = small_standard(code="tt20-2018", criteria_count=15)
    data["criteria"] = [{"number": n, "title": f"Tiêu chí {n}", "confirmed": False, "note": "?"} for n in range(1, 16)]
    response = upload(client, data)
    assert "giữ nguyên nội dung đã sửa trong ứng dụng" in response.content.decode()
    assert Criterion.objects.get(standard__code="tt20-2018", number=1).title == "Đạo đức nhà giáo"


@pytest.mark.parametrize(
    ("numbers", "text"), [([], ""), ([3], "3"), ([1, 2, 3, 5, 7, 8], "1–3, 5, 7–8"), ([4, 6, 5], "4–6")]
)
def test_criterion_numbers_are_shown_as_ranges(numbers, text):
    assert number_ranges(numbers) == text
