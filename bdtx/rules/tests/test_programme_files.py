"""Programme rule files and `manage.py load_programmes`: checked whole, idempotent, all-or-nothing, contents
never deleted; and the province's split of a year's periods (programmes.set_programme_year)."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from bdtx.rules import programmefiles
from bdtx.rules.models import Programme, ProgrammeContent, ProgrammeYear
from bdtx.rules.programmes import ProgrammeError, set_programme_year
from bdtx.rules.rulefiles import RuleFileError


def small_programme(**changes) -> dict:
    data = {
        "format": 1,
        "version": 1,
        "code": "ln2025-gv",
        "name": "Chương trình BDTX thử nghiệm",
        "document": "Thông tư 99/2026/TT-BGDĐT",
        "applies_to": {"groups": ["teacher"], "levels": ["tieu_hoc"]},
        "total_periods": 90,
        "valid_from": "01/09/2026",
        "valid_until": None,
        "source": {"document": "Thông tư 99/2026/TT-BGDĐT"},
        "unconfirmed": ["Số tiết chưa xác nhận."],
        "contents": [
            {"code": "01", "name": "Nội dung 1", "owner": "Bộ", "periods": 30, "adjustable": True},
            {"code": "02", "name": "Nội dung 2", "owner": "Sở", "periods": 30, "adjustable": True},
            {"code": "03", "name": "Nội dung 3", "periods": 30, "adjustable": False, "by_modules": True},
        ],
    }
    data.update(changes)
    return data


def write(tmp_path, data: dict, name: str = "ln2025.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(*files) -> str:
    out = StringIO()
    call_command("load_programmes", *map(str, files), stdout=out)
    return out.getvalue()


def test_it_loads_the_four_2019_programmes_with_their_contents(db):
    output = load()
    assert "tt17-2019: đã tạo mới (phiên bản 1, 3 nội dung)." in output
    programmes = {p.code: p for p in Programme.objects.prefetch_related("contents")}
    assert set(programmes) == {"tt11-2019", "tt12-2019", "tt17-2019", "tt18-2019"}
    tt17 = programmes["tt17-2019"]
    assert tt17.total_periods == 120 and tt17.applies_to == {
        "groups": ["teacher"],
        "levels": ["tieu_hoc", "thcs", "thpt"],
    }
    assert [(c.code, c.periods, c.adjustable, c.by_modules) for c in tt17.contents.all()] == [
        ("01", 40, True, False),
        ("02", 40, True, False),
        ("03", 40, False, True),
    ]
    assert programmes["tt18-2019"].applies_to["groups"] == ["manager"]
    assert programmes["tt12-2019"].applies_to == {"groups": ["teacher"], "levels": ["mam_non"]}
    assert any("40/40/40" in note for note in programmes["tt12-2019"].unconfirmed)
    assert any("suy luận" in note for note in programmes["tt11-2019"].unconfirmed)
    assert all(any("03 tuần" in note for note in p.unconfirmed) for p in programmes.values())


def test_running_it_twice_changes_nothing(db):
    load()
    before = list(ProgrammeContent.objects.order_by("pk").values())
    assert load().splitlines() == [
        "tt11-2019: không thay đổi (phiên bản 1).",
        "tt12-2019: không thay đổi (phiên bản 1).",
        "tt17-2019: không thay đổi (phiên bản 1).",
        "tt18-2019: không thay đổi (phiên bản 1).",
    ]
    assert list(ProgrammeContent.objects.order_by("pk").values()) == before


def test_a_bad_file_stops_everything_with_exit_status_2(db, tmp_path):
    good = write(tmp_path, small_programme(), "good.yaml")
    bad_contents = small_programme(code="ln2025-cbql")
    bad_contents["contents"][2]["periods"] = 40
    bad = write(tmp_path, bad_contents, "bad.yaml")
    with pytest.raises(CommandError) as error:
        load(good, bad)
    assert error.value.returncode == 2
    assert "bad.yaml, mục “contents”: tổng số tiết các nội dung là 100, nhưng total_periods là 90." in str(error.value)
    assert not Programme.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "TT 17"}, "mục “code”: “TT 17” không phải là mã"),
        ({"total_periods": "120"}, "mục “total_periods”: phải là số nguyên"),
        ({"valid_from": "2026-09-01"}, "mục “valid_from”: “2026-09-01” không phải là ngày"),
        ({"applies_to": {"groups": ["giao_vien"]}}, "mục “applies_to.groups”: “giao_vien” không hợp lệ"),
        ({"periods": 120}, "mục “periods”: khoá không hợp lệ"),
        (
            {"contents": [{"code": 1, "name": "x", "periods": 90}]},
            "mục “contents[1].code”: “1” không phải là mã nội dung",
        ),
    ],
)
def test_each_problem_names_the_file_and_the_key(changes, message):
    with pytest.raises(RuleFileError) as error:
        programmefiles.parse(yaml.safe_dump(small_programme(**changes), allow_unicode=True), "moi.yaml")
    assert any(problem.startswith("moi.yaml, ") and message in problem for problem in error.value.problems), (
        error.value.problems
    )


def test_a_twice_given_content_and_a_missing_name_are_both_reported():
    data = small_programme()
    data["contents"][1] = {"code": "01", "name": "", "periods": 30}
    with pytest.raises(RuleFileError) as error:
        programmefiles.parse(yaml.safe_dump(data, allow_unicode=True), "moi.yaml")
    assert any("nội dung 01 xuất hiện hai lần" in problem for problem in error.value.problems)


def test_a_higher_version_updates_and_keeps_contents_the_file_leaves_out(db, tmp_path):
    load(write(tmp_path, small_programme()))
    newer = small_programme(version=2, total_periods=60)
    newer["contents"] = [
        {"code": "01", "name": "Nội dung 1", "owner": "Bộ", "periods": 20, "adjustable": True},
        {"code": "02", "name": "Nội dung 2", "owner": "Sở", "periods": 40, "adjustable": True},
    ]
    output = load(write(tmp_path, newer))
    assert output.strip() == (
        "ln2025-gv: đã cập nhật lên phiên bản 2 (nội dung thay đổi: 01, 02). "
        "Các nội dung 03 không có trong tệp và được giữ nguyên."
    )
    programme = Programme.objects.get(code="ln2025-gv")
    assert programme.file_version == 2 and programme.contents.count() == 3


def test_a_lower_version_is_kept_out(db, tmp_path):
    load(write(tmp_path, small_programme(version=3)))
    output = load(write(tmp_path, small_programme(version=2, name="Cũ hơn")))
    assert "đã có phiên bản 3" in output
    assert Programme.objects.get(code="ln2025-gv").name == "Chương trình BDTX thử nghiệm"


# The programme of the year ------------------------------------------------------------------------------


def test_a_30_50_split_is_stored_with_who_set_it(cast, programmes):
    chosen = set_programme_year(
        unit=cast.tree.province, year=2026, programme=programmes["tt17-2019"], periods={"01": 30, "02": 50},
        note="KH 123/KH-SGDĐT", by=cast.officer,
    )  # fmt: skip
    assert chosen.periods == {"01": 30, "02": 50} and chosen.set_by == cast.officer and chosen.note == "KH 123/KH-SGDĐT"


def test_setting_the_year_again_replaces_the_earlier_split(cast, programmes):
    for periods in ({"01": 30, "02": 50}, {"01": 40, "02": 40}):
        set_programme_year(
            unit=cast.tree.province,
            year=2026,
            programme=programmes["tt17-2019"],
            periods=periods,
            note="",
            by=cast.officer,
        )
    assert ProgrammeYear.objects.get().periods == {}


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ({"01": 30, "02": 40}, "Các nội dung 01, 02 phải giữ tổng 80 tiết (cách phân bổ này cho 70 tiết)."),
        ({"03": 30, "01": 50}, "Không được thay đổi nội dung 03: giữ nguyên 40 tiết."),
    ],
)
def test_a_split_that_breaks_the_rule_is_refused_in_vietnamese(cast, programmes, periods, message):
    with pytest.raises(ProgrammeError) as error:
        set_programme_year(
            unit=cast.tree.province,
            year=2026,
            programme=programmes["tt17-2019"],
            periods=periods,
            note="",
            by=cast.officer,
        )
    assert message in str(error.value)
    assert not ProgrammeYear.objects.exists()
