import pytest

from bdtx.organisations.models import Unit
from bdtx.staff.forms import StaffForm, accent_insensitive
from bdtx.staff.validation import validate_row


def data(**changes):
    values = {
        "code": " GV 77 ",
        "full_name": "NGUYỄN VĂN AN",
        "birth_date": "5/9/85",
        "gender": "nam",
        "group": "teacher",
        "status": "working",
        "citizen_id": "001085000321",
        "levels": ["thcs", "tieu_hoc"],
        "unit": "TA",
    }
    values.update(changes)
    return values


def test_the_form_reads_values_like_the_import(cast):
    form = StaffForm(data(), units=Unit.objects.all())
    assert form.is_valid(), form.errors
    values = form.values()
    imported, errors = validate_row(
        {
            "code": " GV 77 ",
            "full_name": "NGUYỄN VĂN AN",
            "birth_date": "5/9/85",
            "gender": "Nam",
            "citizen_id": "001085000321",
            "levels": "THCS, Tiểu học",
        }
    )
    assert errors == []
    for name in ["code", "full_name", "birth_date", "gender", "citizen_id", "levels"]:
        assert values[name] == imported[name]
    assert values["levels"] == "tieu_hoc,thcs" and values["full_name"] == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", "1985", "“1985” không phải là ngày. Hãy nhập theo dạng dd/mm/yyyy, ví dụ 05/09/1985."),
        ("citizen_id", "12345", "Số CCCD phải có 12 chữ số; “12345” có 5 chữ số. Hãy chép lại số từ thẻ CCCD."),
        ("full_name", "Nguyễn Văn 2", "Họ tên không được chứa chữ số: “Nguyễn Văn 2”."),
        ("birth_date", "05/09/2020", "cán bộ, giáo viên phải từ 18 tuổi trở lên. Hãy kiểm tra lại năm sinh."),
    ],
)
def test_each_bad_value_gets_its_message_on_its_field(cast, field, value, message):

    form = StaffForm(data(**{field: value}), units=Unit.objects.all())
    assert not form.is_valid()
    assert any(message in error for error in form.errors[field]), form.errors


def test_accent_insensitive_patterns_match_every_spelling():
    import re

    pattern = re.compile(accent_insensitive("toan"), re.IGNORECASE)
    assert pattern.search("Toán") and pattern.search("TOÁN") and not pattern.search("Tin")
    assert re.search(accent_insensitive("Đia ly"), "Địa lý", re.IGNORECASE)
