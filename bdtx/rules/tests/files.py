"""A small valid rule file for tests, built as a dict and written as YAML (no data shared with the bundled files)."""

import copy

import yaml

from bdtx.rules import rulefiles


def small_standard(**changes) -> dict:
    """A three-criterion standard ("tt99-2030") in rule-file form; keyword arguments replace top-level keys."""
    data = {
        "format": 1,
        "version": 1,
        "code": "tt99-2030",
        "name": "Chuẩn thử nghiệm",
        "document": "Thông tư 99/2030/TT-BGDĐT",
        "subject": "teacher",
        "applies_to": {"groups": ["teacher"], "levels": ["gdtx"]},
        "criteria_count": 3,
        "valid_from": "01/09/2030",
        "valid_until": None,
        "self_years": 1,
        "evaluation_years": 2,
        "source": {"document": "Thông tư 99/2030/TT-BGDĐT"},
        "unconfirmed": ["Tên tiêu chí 3 chưa được xác nhận."],
        "areas": [
            {"number": 1, "title": "Phẩm chất nhà giáo", "description": "", "article": "Điều 4", "confirmed": True}
        ],
        "criteria": [
            {"number": 1, "area": 1, "title": "Đạo đức nhà giáo", "descriptors": {"dat": "Thực hiện nghiêm túc"}},
            {"number": 2, "area": 1, "title": "Phong cách nhà giáo", "confirmed": True},
            {"number": 3, "area": None, "title": "Tiêu chí 3", "confirmed": False, "note": "Chưa rõ."},
        ],
        "classification": {
            "core_criteria": [1],
            "evaluate_in_order": ["tot", "kha", "dat", "chua_dat"],
            "rules": {
                "tot": {"name_vi": "Tốt", "all_criteria_min": "kha", "core_criteria_min": "tot"},
                "kha": {"name_vi": "Khá", "all_criteria_min": "dat", "core_criteria_min": "kha"},
                "dat": {"name_vi": "Đạt", "all_criteria_min": "dat"},
                "chua_dat": {"name_vi": "Chưa đạt"},
            },
        },
    }
    data.update(copy.deepcopy(changes))
    return data


def as_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write(tmp_path, data: dict, name: str = "tt99_2030.yaml"):
    path = tmp_path / name
    path.write_text(as_yaml(data), encoding="utf-8")
    return path


def bundled_with(code: str, tmp_path, edit) -> str:
    """A copy of a bundled rule file with `edit(data)` applied, written under tmp_path; its path."""
    source = next(path for path in rulefiles.bundled_files() if rulefiles.read(path).code == code)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    edit(data)
    return str(write(tmp_path, data, source.name))
