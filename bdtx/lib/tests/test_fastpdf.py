import io
import re
import shutil
import subprocess
import unicodedata
import zlib

import pytest
import segno
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from bdtx.lib import fastpdf
from bdtx.lib.fastpdf import A4_LANDSCAPE, BOLD, REGULAR, Page, document

HEADING = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def sample() -> bytes:
    page = Page(A4_LANDSCAPE)
    page.text(20, 20, HEADING, font=BOLD, size=12, align="center", width=257)
    page.text(20, 27, MOTTO, font=BOLD, size=12, align="center", width=257)
    page.text(20, 50, "Nguyễn Thị Hồng Nhung", font=BOLD, size=16)
    page.text(20, 60, "Hoàn thành kế hoạch BDTX", size=12, align="right", width=200)
    page.line(20, 65, 120, 65)
    page.rect(20, 70, 50, 10, fill=(0.9, 0.9, 0.9))
    return document([page], title="Giấy chứng nhận – Nguyễn Thị Hồng Nhung")


def test_a_document_opens_and_gives_back_its_vietnamese_text_exactly():
    lines = pages_text(sample())[0].splitlines()
    assert lines == [HEADING, MOTTO, "Nguyễn Thị Hồng Nhung", "Hoàn thành kế hoạch BDTX"]
    assert PdfReader(io.BytesIO(sample())).metadata.title == "Giấy chứng nhận – Nguyễn Thị Hồng Nhung"


def test_both_fonts_are_embedded_as_subsets_with_a_map_back_to_unicode():
    reader = PdfReader(io.BytesIO(sample()))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = []
    for reference in fonts.values():
        font = reference.get_object()
        assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H" and "/ToUnicode" in font
        descendant = font["/DescendantFonts"][0].get_object()
        assert descendant["/Subtype"] == "/CIDFontType2"
        program = descendant["/FontDescriptor"]["/FontFile2"].get_object()
        assert program.get_data()[:4] == b"\x00\x01\x00\x00"  # a TrueType font program
        names.append(str(font["/BaseFont"]))
    assert len(names) == 2
    assert all(re.fullmatch(r"/[A-Z]{6}\+DejaVuSans(-Bold)?", name) for name in names), names


@pytest.mark.parametrize("font", [REGULAR, BOLD])
def test_every_vietnamese_letter_is_in_the_fonts_so_none_prints_as_a_question_mark(font):
    chosen = fastpdf.font_set().fonts[font]
    letters = {unicodedata.normalize("NFC", vowel + tone) for vowel in VOWELS for tone in TONES}
    letters |= set("bcdđghklmnpqrstvx") | set("–—‘’“”…•№")
    letters |= {letter.upper() for letter in letters}
    assert len(letters) > 150
    assert sorted(letter for letter in letters if letter not in chosen.glyphs) == []


def test_decomposed_text_is_drawn_as_precomposed_letters_and_unknown_characters_as_a_question_mark():
    page = Page()
    page.text(20, 20, unicodedata.normalize("NFD", "Nguyễn Thị Hoà"))
    page.text(20, 30, "Trường 中 học")
    assert pages_text(document([page], title="x"))[0].splitlines() == ["Nguyễn Thị Hoà", "Trường ? học"]


def test_a_paragraph_wraps_at_spaces_by_measured_width():
    page = Page()
    text = "Bồi dưỡng thường xuyên giáo viên mầm non, phổ thông và giáo dục thường xuyên " * 3
    lines = page.wrap(text, 60, size=11)
    assert len(lines) > 3
    assert all(page.measure(line, size=11) <= 60 for line in lines)
    assert " ".join(lines) == text.strip()
    assert page.wrap("Dòng một\nDòng hai", 100) == ["Dòng một", "Dòng hai"]
    assert page.shorten("Kiểm tra, đánh giá học sinh theo hướng phát triển", 30).endswith("…")
    assert page.measure(page.shorten("Kiểm tra, đánh giá học sinh theo hướng phát triển", 30)) <= 30


def test_centred_and_right_aligned_text_is_placed_by_its_measured_width():
    page = Page()
    width = page.text(10, 20, "Độc lập", size=10, align="center", width=100)
    match = re.search(r"Tf ([\d.]+) ", page.content().decode())
    assert float(match.group(1)) == pytest.approx((10 + (100 - width) / 2) * fastpdf.MM, abs=0.01)


def test_the_qr_code_is_drawn_module_for_module():
    code = segno.make_qr("http://127.0.0.1:8000/verify/AbCdEfGhIjKlMnOp", error="m", mask=4, boost_error=False)
    page = Page()
    page.qr(20, 150, 30, code.matrix)
    size = len(code.matrix)
    drawn = [[0] * size for _row in range(size)]
    for x, y, w, h in re.findall(r"^(\d+) (\d+) (\d+) (\d+) re$", page.content().decode(), re.MULTILINE):
        assert h == "1"
        for column in range(int(x), int(x) + int(w)):
            drawn[int(y)][column] = 1
    assert drawn == [list(row) for row in code.matrix]


def test_the_cross_reference_table_points_at_every_object():
    pdf = document([Page(), Page()], title="Hai trang")
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[start:].startswith(b"xref\n0 ")
    entries = pdf[start:].split(b"\n")[3:]
    offsets = [int(line[:10]) for line in entries if line.endswith(b" n ")]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_the_same_pages_give_the_same_bytes():
    assert sample() == sample()


def test_the_content_stream_is_compressed():
    pdf = sample()
    stream = pdf.split(b"/Filter /FlateDecode >>\nstream\n")[-1].split(b"\nendstream")[0]
    assert b"BT /F2 12 Tf" in zlib.decompress(stream)


def test_the_page_renders_to_an_image(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed: `make system` installs it")
    (tmp_path / "sample.pdf").write_bytes(sample())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-singlefile", str(tmp_path / "sample.pdf"), str(tmp_path / "sample")],
        check=True,
    )
    assert (tmp_path / "sample.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_font_says_which_setting_or_package_fixes_it(settings, tmp_path):
    settings.PDF_FONT_DIR = tmp_path
    with pytest.raises(ImproperlyConfigured, match="PDF_FONT_DIR"):
        Page()
