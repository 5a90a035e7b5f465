"""The programme pages: everyone signed in reads the programmes; the Sở's officers set a school year's split of
the adjustable periods; a system administrator uploads the rule file of a new programme."""

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bdtx.accounts.models import Role
from bdtx.plans.services import requirement_for
from bdtx.rules.models import Programme, ProgrammeYear
from bdtx.rules.programme_views import current_school_year
from bdtx.testing import make_user

from .test_programme_files import small_programme

YEAR_URL = reverse("programmes:year")


@pytest.fixture
def admin(cast):
    return make_user("admin", role=Role.SYSTEM_ADMIN, unit=cast.tree.province)


def save_split(client, year, **periods):
    data = {"programme": "tt17-2019", "year": year, "action": "save", "tt17-2019-note": "KH 45/KH-SGDĐT"}
    data.update({f"tt17-2019-content_{code}": value for code, value in periods.items()})
    return client.post(YEAR_URL, data)


def test_a_teacher_reads_the_programmes_and_their_unconfirmed_points(
    client, cast, programmes, django_assert_max_num_queries
):
    client.force_login(cast.teacher_a)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("programmes:list"))
    page = response.content.decode()
    assert "Chương trình bồi dưỡng thường xuyên giáo viên cơ sở giáo dục phổ thông" in page
    assert "01: 40 · 02: 40 · 03: 40" in page
    assert "Chương trình của năm học" not in page  # the teacher does not set it
    response = client.get(reverse("programmes:detail", args=["tt12-2019"]))
    page = response.content.decode()
    assert "hệ thống tạm dùng 40/40/40" in page
    assert "Chương trình bồi dưỡng phát triển năng lực nghề nghiệp theo yêu cầu vị trí việc làm" in page


def test_an_unknown_programme_is_404(client, cast, programmes):
    client.force_login(cast.teacher_a)
    assert client.get(reverse("programmes:detail", args=["tt99-2030"])).status_code == 404


def test_the_province_officer_sets_a_30_50_split_that_plans_then_require(client, cast, programmes):
    client.force_login(cast.officer)
    year = current_school_year()
    assert client.get(YEAR_URL).status_code == 200
    response = save_split(client, year, **{"01": 30, "02": 50})
    assert response.status_code == 302
    chosen = ProgrammeYear.objects.get()
    assert (chosen.unit, chosen.year, chosen.periods, chosen.set_by) == (
        cast.tree.province,
        year,
        {"01": 30, "02": 50},
        cast.officer,
    )
    requirement = requirement_for(programmes["tt17-2019"], cast.tree.school_a, year)
    assert dict(requirement.periods) == {"01": 30, "02": 50, "03": 40} and requirement.total == 120
    page = client.get(response.url).content.decode()
    assert "01: 30 · 02: 50 · 03: 40" in page and "do officer quy định" in page
    # A teacher sees this year's split on the list
    client.force_login(cast.teacher_a)
    assert "01: 30 · 02: 50 · 03: 40" in client.get(reverse("programmes:list")).content.decode()


def test_a_split_that_changes_the_sum_is_refused_with_a_vietnamese_message(client, cast, programmes):
    client.force_login(cast.officer)
    response = save_split(client, current_school_year(), **{"01": 30, "02": 40})
    assert response.status_code == 200
    assert "Các nội dung 01, 02 phải giữ tổng 80 tiết (cách phân bổ này cho 70 tiết)." in response.content.decode()
    assert not ProgrammeYear.objects.exists()


def test_a_missing_number_is_named(client, cast, programmes):
    client.force_login(cast.officer)
    response = save_split(client, current_school_year(), **{"01": 30, "02": ""})
    assert "Nhập số tiết của nội dung 02 (số nguyên)." in response.content.decode()
    assert not ProgrammeYear.objects.exists()


def test_going_back_to_the_programmes_periods_removes_the_choice(client, cast, programmes):
    client.force_login(cast.officer)
    year = current_school_year()
    save_split(client, year, **{"01": 30, "02": 50})
    client.post(YEAR_URL, {"programme": "tt17-2019", "year": year, "action": "remove"})
    assert not ProgrammeYear.objects.exists()


@pytest.mark.parametrize("who", ["teacher_a", "principal_a", "local", "principal_b"])
def test_only_the_sos_officers_reach_the_year_page(client, cast, programmes, who):
    client.force_login(getattr(cast, who))
    assert client.get(YEAR_URL).status_code == 404
    assert save_split(client, current_school_year(), **{"01": 30, "02": 50}).status_code == 404
    assert not ProgrammeYear.objects.exists()


def test_a_system_administrator_uploads_a_new_programme(client, cast, programmes, admin):
    client.force_login(admin)
    upload = SimpleUploadedFile("ln2025.yaml", yaml.safe_dump(small_programme(), allow_unicode=True).encode())
    response = client.post(reverse("programmes:new"), {"file": upload})
    assert response.status_code == 302 and response.url == reverse("programmes:detail", args=["ln2025-gv"])
    assert Programme.objects.get(code="ln2025-gv").contents.count() == 3


def test_a_bad_upload_lists_its_problems_and_saves_nothing(client, cast, programmes, admin):
    client.force_login(admin)
    upload = SimpleUploadedFile("ln2025.yaml", yaml.safe_dump(small_programme(total_periods=100)).encode())
    response = client.post(reverse("programmes:new"), {"file": upload})
    assert "ln2025.yaml, mục “contents”: tổng số tiết các nội dung là 90, nhưng total_periods là 100." in (
        response.content.decode()
    )
    assert not Programme.objects.filter(code="ln2025-gv").exists()


def test_only_a_system_administrator_reaches_the_upload(client, cast, programmes):
    client.force_login(cast.officer)
    assert client.get(reverse("programmes:new")).status_code == 404
