import pytest

from bdtx.lib.text import clean, fold, header_key, name_sort_key, split_name, tidy_name


def sort_names(names):
    return sorted(names, key=lambda n: name_sort_key(*split_name(n)))


def test_fold_finds_a_name_from_plain_ascii_and_either_unicode_form():
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Hoa\u0300"
    assert fold("Nguyễn Thị Hoà") == fold(decomposed) == fold("NGUYỄN THỊ HÒA") == "nguyen thi hoa"


def test_fold_turns_d_with_stroke_into_d():
    assert fold("Đặng Văn Đức") == "dang van duc"


def test_clean_removes_non_breaking_and_repeated_spaces_and_composes():
    assert clean("  Nguye\u0302\u0303n\u00a0 Thị\u200b  Hoà ") == "Nguyễn Thị Hoà"


def test_split_name_gives_family_middle_and_given():
    assert split_name("Nguyễn Thị Minh Khai") == ("Nguyễn", "Thị Minh", "Khai")
    assert split_name("Hoà") == ("", "", "Hoà")


def test_tidy_name_capitalises_all_caps_names():
    assert tidy_name("NGUYỄN THỊ HOÀ") == "Nguyễn Thị Hoà"
    assert tidy_name("Lò Văn ÂN") == "Lò Văn ÂN"  # mixed case is left as typed


def test_names_sort_by_given_name_first():
    assert sort_names(["Trần Văn Bình", "Nguyễn Thị An"]) == ["Nguyễn Thị An", "Trần Văn Bình"]


def test_d_with_stroke_sorts_after_d():
    assert sort_names(["Lê Đức", "Lê Dung", "Lê Em"]) == ["Lê Dung", "Lê Đức", "Lê Em"]


@pytest.mark.parametrize(
    "names",
    [
        ["Lê An", "Lê Ăn", "Lê Ân", "Lê Bình"],  # a < ă < â < b
        ["Lê Ô", "Lê Ơ", "Lê Pha"],
        ["Lê Anh", "Lê Ành", "Lê Ảnh", "Lê Ãnh", "Lê Ánh", "Lê Ạnh"],  # tones break ties, dictionary order
        ["Bùi Thị Anh", "Hoàng Văn Anh", "Bùi Thị Ánh"],  # same given name: by family name
    ],
)
def test_vietnamese_alphabet_order(names):
    assert sort_names(list(reversed(names))) == sorted(names, key=names.index)


def test_tone_position_does_not_change_order():
    assert name_sort_key(*split_name("Ngô Hoà")) == name_sort_key(*split_name("Ngô Hòa"))


def test_header_key_ignores_case_diacritics_spacing_and_form():
    assert header_key(" SỐ  cccd ") == header_key("Số CCCD") == header_key("So\u0302\u0301 CCCD")
