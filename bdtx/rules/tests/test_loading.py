"""manage.py load_standards: idempotent, all-or-nothing, and respectful of corrections made in the app."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bdtx.accounts.models import Role
from bdtx.rules import services
from bdtx.rules.models import Area, Criterion, Standard
from bdtx.testing import make_unit, make_user

from .files import bundled_with, small_standard, write


def load(*files) -> str:
    out = StringIO()
    call_command("load_standards", *map(str, files), stdout=out)
    return out.getvalue()


def test_it_loads_the_four_standards_with_every_criterion(db):
    output = load()
    assert "tt20-2018: đã tạo mới (phiên bản 1, 15 tiêu chí)." in output
    counts = dict(Standard.objects.values_list("code", "criteria_count"))
    assert counts == {"tt14-2018": 18, "tt20-2018": 15, "tt25-2018": 15, "tt26-2018": 15}
    assert Criterion.objects.filter(standard__code="tt14-2018").count() == 18
    tt20 = Standard.objects.get(code="tt20-2018")
    assert tt20.valid_from.isoformat() == "2018-10-10" and tt20.file_name == "tt20_2018.yaml"
    assert list(tt20.criteria.filter(is_core=True).values_list("number", flat=True)) == [3, 4, 5, 6, 7]
    assert tt20.criteria.get(number=4).area.title == "Phát triển chuyên môn, nghiệp vụ"


def test_running_it_twice_changes_nothing(db):
    load()
    before = list(Criterion.objects.order_by("pk").values())
    output = load()
    assert output.splitlines() == [
        "tt14-2018: không thay đổi (phiên bản 1).",
        "tt20-2018: không thay đổi (phiên bản 1).",
        "tt25-2018: không thay đổi (phiên bản 1).",
        "tt26-2018: không thay đổi (phiên bản 1).",
    ]
    assert list(Criterion.objects.order_by("pk").values()) == before


def test_a_bad_file_stops_everything_with_exit_status_2(db, tmp_path):
    good = write(tmp_path, small_standard(), "good.yaml")
    bad = write(tmp_path, small_standard(code="tt98-2030", criteria_count=5), "bad.yaml")
    with pytest.raises(CommandError) as error:
        load(good, bad)
    assert error.value.returncode == 2
    assert "bad.yaml, mục “criteria”: thiếu tiêu chí 4, 5" in str(error.value)
    assert not Standard.objects.exists() and not Criterion.objects.exists()


def test_a_missing_file_is_named(db, tmp_path):
    with pytest.raises(CommandError) as error:
        load(tmp_path / "khong-co.yaml")
    assert error.value.returncode == 2
    assert "khong-co.yaml: không đọc được tệp" in str(error.value)


def test_a_correction_made_in_the_app_is_kept_against_the_same_version(db, tmp_path):
    load()
    admin = make_user("admin", role=Role.SYSTEM_ADMIN, unit=make_unit("SO", kind="department"))
    criterion = Criterion.objects.get(standard__code="tt26-2018", number=3)
    services.update_criterion(
        criterion, by=admin, title="Phát triển chuyên môn bản thân", descriptors={}, confirmed=True, note=""
    )
    output = load()
    assert "tt26-2018: giữ nguyên nội dung đã sửa trong ứng dụng ngày" in output
    assert "Tăng version của tệp nếu muốn thay các chỉnh sửa đó." in output
    criterion.refresh_from_db()
    assert criterion.title == "Phát triển chuyên môn bản thân" and criterion.confirmed


def test_a_higher_version_replaces_the_corrections_and_says_so(db, tmp_path):
    load()
    admin = make_user("admin", role=Role.SYSTEM_ADMIN, unit=make_unit("SO", kind="department"))
    standard = Standard.objects.get(code="tt26-2018")
    services.update_validity(standard, by=admin, valid_from=None, valid_until=None)

    def new_version(data):
        data["version"] = 2
        data["criteria"][2]["title"] = "Phát triển chuyên môn bản thân"
        data["criteria"][2]["confirmed"] = True

    output = load(bundled_with("tt26-2018", tmp_path, new_version))
    assert output.strip() == (
        "tt26-2018: đã cập nhật lên phiên bản 2 (tiêu chí thay đổi: 3). "
        "Các chỉnh sửa trong ứng dụng đã được thay bằng phiên bản cao hơn này."
    )
    standard.refresh_from_db()
    assert standard.file_version == 2 and standard.edited_at is None
    assert standard.valid_from.isoformat() == "2018-11-23"
    assert standard.criteria.get(number=3).title == "Phát triển chuyên môn bản thân"


def test_an_older_file_does_not_replace_a_newer_version(db, tmp_path):
    load(bundled_with("tt20-2018", tmp_path, lambda data: data.update(version=3)))
    output = load()
    assert "tt20-2018: giữ nguyên; cơ sở dữ liệu đã có phiên bản 3, mới hơn phiên bản 1 của tệp." in output
    assert Standard.objects.get(code="tt20-2018").file_version == 3


def test_criteria_are_never_deleted(db, tmp_path):
    load(write(tmp_path, small_standard()))

    fewer = small_standard(version=2, criteria_count=2)
    fewer["criteria"] = fewer["criteria"][:2]
    with pytest.raises(CommandError) as error:
        load(write(tmp_path, fewer))
    assert error.value.returncode == 2
    assert "chuẩn tt99-2030 đã có tiêu chí 3 và các phiếu đánh giá có thể đang dùng tiêu chí này" in str(error.value)
    assert Criterion.objects.filter(standard__code="tt99-2030").count() == 3


def test_an_area_dropped_from_the_file_goes_but_its_criteria_stay(db, tmp_path):
    load(write(tmp_path, small_standard()))
    data = small_standard(version=2, areas=[])
    for criterion in data["criteria"]:
        criterion["area"] = None
    output = load(write(tmp_path, data))
    assert "tt99-2030: đã cập nhật lên phiên bản 2 (tiêu chí thay đổi: 1, 2)." in output
    assert not Area.objects.filter(standard__code="tt99-2030").exists()
    assert Criterion.objects.filter(standard__code="tt99-2030", area=None).count() == 3


def test_two_files_with_one_code_are_refused(db, tmp_path):
    first = write(tmp_path, small_standard(), "a.yaml")
    second = write(tmp_path, small_standard(), "b.yaml")
    with pytest.raises(CommandError, match="b.yaml: mã tt99-2030 cũng có trong a.yaml"):
        load(first, second)
    assert not Standard.objects.exists()
