"""`manage.py load_modules`: the GVPT modules of TT 17/2019 from their file, idempotent, all-or-nothing, and
never overwriting what a Sở officer changed in the app."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from bdtx.catalog import services
from bdtx.catalog.models import TrainingModule


def load(*files) -> str:
    out = StringIO()
    call_command("load_modules", *map(str, files), stdout=out)
    return out.getvalue()


def write(tmp_path, modules, name="modules_thu.yaml", **top):
    data = {"format": 1, "version": 1, "programme": "tt17-2019", "standard": "tt20-2018", "modules": modules, **top}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_fifteen_gvpt_modules_are_loaded_with_their_sources(programmes):
    modules = {m.code: m for m in TrainingModule.objects.prefetch_related("criteria")}
    assert list(modules) == [f"GVPT {n:02d}" for n in range(1, 16)]
    gvpt02, gvpt04 = modules["GVPT 02"], modules["GVPT 04"]
    assert gvpt02.title == "Xây dựng phong cách của giáo viên cơ sở giáo dục phổ thông trong bối cảnh hiện nay"
    assert gvpt02.title_confirmed and not gvpt04.title_confirmed
    assert "Developing teaching and education plans" in gvpt04.source
    assert [(c.standard.code, c.number) for c in gvpt04.criteria.all()] == [("tt20-2018", 4)]
    assert gvpt04.criteria_inferred and gvpt04.periods is None and gvpt04.owner is None and gvpt04.content == "03"
    assert gvpt04.target == {"groups": ["teacher"], "levels": ["tieu_hoc", "thcs", "thpt"]}
    assert gvpt04.programme == programmes["tt17-2019"]


def test_running_it_again_changes_nothing(programmes):
    before = list(TrainingModule.objects.order_by("pk").values())
    assert load().strip() == "modules_gvpt_tt17_2019.yaml: tạo mới 0 mô đun, cập nhật 0, không thay đổi 15."
    assert list(TrainingModule.objects.order_by("pk").values()) == before


def test_what_a_so_officer_changed_is_kept_and_the_rest_follows_the_file(programmes, cast, tmp_path):
    module = TrainingModule.objects.get(code="GVPT 04")
    services.update_module(module, by=cast.officer, periods=15, title="Tên đã sửa")
    path = write(
        tmp_path,
        [{"code": "GVPT 04", "title": "Tên trong tệp", "criteria": [4, 5], "periods": 10, "source": "nguồn mới"}],
    )
    output = load(path)
    assert "Giữ nguyên các sửa đổi đã làm trên hệ thống cho GVPT 04." in output
    module.refresh_from_db()
    assert (module.title, module.periods, module.source) == ("Tên đã sửa", 15, "nguồn mới")
    assert sorted(module.criteria.values_list("number", flat=True)) == [4, 5]
    assert module.edited_fields == ["periods", "title"]


def test_a_module_is_never_deleted_when_the_file_leaves_it_out(programmes, tmp_path):
    load(write(tmp_path, [{"code": "GVPT 01", "title": "Nâng cao phẩm chất đạo đức nhà giáo", "criteria": [1]}]))
    assert TrainingModule.objects.count() == 15


def test_a_bad_file_stops_everything_with_exit_status_2(programmes, tmp_path):
    good = write(tmp_path, [{"code": "GVPT 90", "title": "Mô đun mới", "criteria": [1]}], name="modules_a.yaml")
    bad = write(
        tmp_path,
        [{"code": "GVPT 91", "title": "", "criteria": [99], "periods": "mười"}],
        name="modules_b.yaml",
    )
    with pytest.raises(CommandError) as error:
        load(good, bad)
    assert error.value.returncode == 2
    message = str(error.value)
    assert "modules_b.yaml, mục “modules (mã GVPT 91).title”: còn thiếu." in message
    assert "modules_b.yaml, mục “modules (mã GVPT 91).periods”: phải là số nguyên" in message
    assert not TrainingModule.objects.filter(code__in=["GVPT 90", "GVPT 91"]).exists()


def test_an_unknown_criterion_or_programme_is_named(programmes, tmp_path):
    path = write(tmp_path, [{"code": "GVPT 92", "title": "Mô đun", "criteria": [16]}], programme="tt99-2030")
    with pytest.raises(CommandError) as error:
        load(path)
    message = str(error.value)
    assert "modules_thu.yaml, mục “programme”: chưa có chương trình tt99-2030." in message
    assert "modules_thu.yaml, mô đun GVPT 92: chuẩn tt20-2018 không có tiêu chí 16." in message


def test_without_the_standards_it_says_to_load_them_first(db):
    call_command("load_programmes", verbosity=0)
    with pytest.raises(CommandError) as error:
        load()
    assert "chưa có chuẩn tt20-2018. Hãy nạp các chuẩn trước (load_standards)." in str(error.value)
