"""A small PDF writer for documents printed by the thousand (certificates): a page costs about a millisecond.

Why not bdtx/lib/pdf.py (fpdf2)? It parses each TrueType font again for every document (≈ 120 ms a font) and
subsets it again when writing (≈ 60 ms a font): fine for a form, 30–60 times too slow for 10,000 certificates in a
minute. Here the expensive part is done once per process (`font_set()`): DejaVu Sans and DejaVu Sans Bold are
subset with fontTools to a fixed repertoire that covers Vietnamese, and everything a PDF needs about them (the
compressed font program, widths, the ToUnicode map that lets a reader copy the text back) is written out as bytes
ready to paste. A document is then its content stream, a few small objects and that blob (encoding a QR code
with segno costs about as much again).

What it draws: text in either font at a position (left, centred or right within a width), paragraphs wrapped by
measured widths, lines, rectangles and QR codes (from a matrix of modules). Coordinates are millimetres from the
top left corner of the page; text is placed by its baseline. Text is normalised to NFC (a decomposed "ễ" is drawn
as the single precomposed letter); a character outside the repertoire prints as "?".

The file layout (PDF 1.7): the header, then the fonts' objects (the same bytes, at the same offsets, in every
document), then the catalog, the page tree, the document information and each page with its content stream, the
cross-reference table and the trailer. Nothing in it depends on the clock: the same input gives the same bytes."""

import functools
import hashlib
import io
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MM = 72 / 25.4  # points in a millimetre
A4 = (210.0, 297.0)  # portrait (width, height) in mm
A4_LANDSCAPE = (297.0, 210.0)
REGULAR, BOLD = "regular", "bold"
FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
FIRST_FONT_OBJECT = 4  # objects 1-3 are the catalog, the page tree and the information dictionary
OBJECTS_PER_FONT = 5  # Type0 font, CIDFontType2, descriptor, FontFile2, ToUnicode

# What the fonts are cut down to: Vietnamese and the Latin around it, and the punctuation of printed documents.
REPERTOIRE: tuple[int, ...] = (
    *range(0x20, 0x7F),  # Basic Latin
    *range(0xA0, 0x100),  # Latin-1 Supplement
    *range(0x100, 0x180),  # Latin Extended-A (Đ đ, Ă ă, Ĩ ĩ, Ũ ũ…)
    0x1A0, 0x1A1, 0x1AF, 0x1B0,  # Ơ ơ Ư ư
    *range(0x300, 0x324),  # combining marks: the tones, in case a text keeps one NFC cannot compose
    *range(0x1EA0, 0x1EFA),  # Latin Extended Additional: Ạ … ỹ
    0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2022, 0x2116,  # – — ‘ ’ “ ” … • №
)  # fmt: skip


class _Table(dict):
    """A str.translate table that maps a character it lacks to `default` (str.translate runs in C: the speed of a
    whole certificate's text hangs on it)."""

    def __init__(self, mapping: dict[int, str], default: str):
        super().__init__(mapping)
        self.default = default

    def __missing__(self, key: int) -> str:
        return self.default


class Font:
    """One embedded font: how to encode and measure text in it."""

    def __init__(self, *, key: str, glyphs: dict[str, int], advances: dict[str, int]):
        self.key = key  # the resource name in a page ("F1")
        self.glyphs = glyphs  # character → glyph id (Identity-H: the code is the glyph id)
        self.advances = advances  # character → advance width in thousandths of the font size
        self.missing_advance = advances["?"]
        missing = f"{glyphs['?']:04X}"
        # character → its code as 4 hex digits; → one character whose code point is the advance width
        self._hex = _Table({ord(ch): f"{gid:04X}" for ch, gid in glyphs.items()}, missing)
        self._widths = _Table({ord(ch): chr(advance) for ch, advance in advances.items()}, chr(self.missing_advance))

    def encode(self, text: str) -> str:
        """The text as the hex string a Tj operator shows; a character outside the font is shown as "?"."""
        return text.translate(self._hex)

    def width(self, text: str, size: float) -> float:
        """Width of `text` set at `size` points, in millimetres."""
        return sum(map(ord, text.translate(self._widths))) * size / 1000 / MM


@dataclass(frozen=True)
class FontSet:
    """The fonts, and their PDF objects as bytes placed right after the header of every document."""

    fonts: dict[str, Font]
    blob: bytes
    offsets: tuple[int, ...]  # byte offset of each font object in the file, in object-number order
    resources: bytes  # "/F1 4 0 R /F2 9 0 R"


def font_set() -> FontSet:
    """The fonts of settings.PDF_FONT_DIR, prepared once per process (≈ 0.5 s)."""
    return _font_set(str(settings.PDF_FONT_DIR))


@functools.cache
def _font_set(font_dir: str) -> FontSet:
    fonts: dict[str, Font] = {}
    blob = io.BytesIO()
    offsets: list[int] = []
    resources = []
    for index, (name, filename) in enumerate(FONT_FILES.items()):
        path = Path(font_dir) / filename
        if not path.exists():
            raise ImproperlyConfigured(
                f"PDF font {path} is missing: install Debian's fonts-dejavu-core or set PDF_FONT_DIR."
            )
        first = FIRST_FONT_OBJECT + index * OBJECTS_PER_FONT
        font, objects = _prepare(path, key=f"F{index + 1}", first=first)
        fonts[name] = font
        resources.append(f"/{font.key} {first} 0 R")
        for number, body in enumerate(objects, start=first):
            offsets.append(len(HEADER) + blob.tell())
            blob.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    return FontSet(fonts=fonts, blob=blob.getvalue(), offsets=tuple(offsets), resources=" ".join(resources).encode())


def _prepare(path: Path, *, key: str, first: int) -> tuple[Font, list[bytes]]:
    """Subset one TrueType font to REPERTOIRE and write its five PDF objects (numbered from `first`)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.hinting = False  # screen hinting halves nothing on paper and doubles the size
    options.layout_features = []  # no shaping: Vietnamese is drawn from precomposed letters
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "BASE", "MATH", "gasp"]
    options.glyph_names = False
    options.notdef_outline = True
    ttf = TTFont(str(path))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=REPERTOIRE)
    subsetter.subset(ttf)
    buffer = io.BytesIO()
    ttf.save(buffer)
    program = buffer.getvalue()

    scale = 1000 / ttf["head"].unitsPerEm
    metrics = ttf["hmtx"].metrics
    order = ttf.getGlyphOrder()
    advances_by_gid = [round(metrics[name][0] * scale) for name in order]
    glyphs: dict[str, int] = {}
    advances: dict[str, int] = {}
    to_unicode: dict[int, int] = {}
    for code, name in sorted(ttf.getBestCmap().items()):
        gid = ttf.getGlyphID(name)
        glyphs[chr(code)] = gid
        advances[chr(code)] = advances_by_gid[gid]
        to_unicode.setdefault(gid, code)  # a glyph shared by two characters reads back as the first
    font = Font(key=key, glyphs=glyphs, advances=advances)

    base_name = f"{_tag(program)}+{path.stem.replace(' ', '')}".encode()
    head, hhea, os2 = ttf["head"], ttf["hhea"], ttf["OS/2"]
    bbox = " ".join(str(round(v * scale)) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    cap_height = getattr(os2, "sCapHeight", 0) or hhea.ascent
    widths = " ".join(map(str, advances_by_gid))
    type0, cid, descriptor, file2, cmap = range(first, first + OBJECTS_PER_FONT)
    objects = [
        b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] "
        b"/ToUnicode %d 0 R >>" % (base_name, cid, cmap),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R "
        b"/DW %d /W [0 [%s]] /CIDToGIDMap /Identity >>" % (base_name, descriptor, advances_by_gid[0], widths.encode()),
        b"<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%s] /ItalicAngle 0 /Ascent %d /Descent %d "
        b"/CapHeight %d /StemV %d /FontFile2 %d 0 R >>"
        % (
            base_name,
            bbox.encode(),
            round(hhea.ascent * scale),
            round(hhea.descent * scale),
            round(cap_height * scale),
            120 if "Bold" in path.stem else 80,
            file2,
        ),
        _stream(program, extra=b"/Length1 %d" % len(program)),
        _stream(_cmap(to_unicode)),
    ]
    return font, objects


def _tag(program: bytes) -> str:
    """The six capital letters a subset font's name starts with, derived from its bytes (the same every run)."""
    return "".join(chr(65 + byte % 26) for byte in hashlib.sha1(program).digest()[:6])


def _cmap(to_unicode: dict[int, int]) -> bytes:
    """The ToUnicode CMap: glyph id → the character it draws (how readers and search get the text back)."""
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    pairs = sorted(to_unicode.items())
    for start in range(0, len(pairs), 100):  # at most 100 entries a block
        block = pairs[start : start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines.extend(f"<{gid:04X}> <{chr(code).encode('utf-16-be').hex().upper()}>" for gid, code in block)
        lines.append("endbfchar")
    lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    return "\n".join(lines).encode("ascii")


def _stream(data: bytes, *, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n%s\nendstream" % (
        len(packed),
        extra + b" " if extra else b"",
        packed,
    )


def _n(value: float) -> str:
    """A number as PDF writes it: two decimals at most, no trailing zeros."""
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def nfc(value: object) -> str:
    text = "" if value is None else str(value)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


class Page:
    """One page being drawn. Positions in millimetres from the top left corner; colours as (r, g, b) in 0–1."""

    def __init__(self, size: tuple[float, float] = A4):
        self.width, self.height = size
        self.fonts = font_set().fonts
        self._ops: list[str] = []
        self._fill: tuple[float, float, float] | None = (0, 0, 0)
        self._stroke: tuple[float, float, float] | None = (0, 0, 0)
        self._line_width: float | None = None

    # State ---------------------------------------------------------------------------------------------

    def _set_fill(self, color: tuple[float, float, float]) -> None:
        if color != self._fill:
            self._ops.append(f"{_n(color[0])} {_n(color[1])} {_n(color[2])} rg")
            self._fill = color

    def _set_stroke(self, color: tuple[float, float, float], width: float) -> None:
        if color != self._stroke:
            self._ops.append(f"{_n(color[0])} {_n(color[1])} {_n(color[2])} RG")
            self._stroke = color
        if width != self._line_width:
            self._ops.append(f"{_n(width * MM)} w")
            self._line_width = width

    # Text ----------------------------------------------------------------------------------------------

    def measure(self, text: str, *, font: str = REGULAR, size: float = 11) -> float:
        """Width of the text in millimetres."""
        return self.fonts[font].width(nfc(text), size)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        font: str = REGULAR,
        size: float = 11,
        align: str = "left",
        width: float = 0,
        color: tuple[float, float, float] = (0, 0, 0),
    ) -> float:
        """One line of text with its baseline at `y`: from `x` ("left"), centred in [x, x + width] ("center"), or
        ending at x + width ("right"). Returns the text's width in millimetres."""
        text = nfc(text)
        chosen = self.fonts[font]
        measured = chosen.width(text, size)
        if align == "center":
            x += (width - measured) / 2
        elif align == "right":
            x += width - measured
        self._set_fill(color)
        self._ops.append(
            f"BT /{chosen.key} {_n(size)} Tf {_n(x * MM)} {_n((self.height - y) * MM)} Td <{chosen.encode(text)}> Tj ET"
        )
        return measured

    def shorten(self, text: str, width: float, *, font: str = REGULAR, size: float = 11) -> str:
        """The text as it is if it fits in `width` mm, else cut to fit with "…" at the end."""
        text = nfc(text)
        chosen = self.fonts[font]
        if chosen.width(text, size) <= width:
            return text
        advances, missing = chosen.advances, chosen.missing_advance
        limit = width * MM * 1000 / size
        total = advances["…"]
        for index, ch in enumerate(text):
            total += advances.get(ch, missing)
            if total > limit:
                return text[:index].rstrip() + "…"
        return text

    def wrap(self, text: str, width: float, *, font: str = REGULAR, size: float = 11) -> list[str]:
        """The text cut into lines no wider than `width` mm, at spaces (a word too long for a line is cut where it
        must be); a line break in the text starts a new line."""
        chosen = self.fonts[font]
        text = nfc(text)
        if "\n" not in text and chosen.width(text, size) <= width:
            return [" ".join(text.split())]
        lines: list[str] = []
        space = chosen.width(" ", size)
        for part in text.split("\n"):
            current, current_width = [], 0.0
            for word in part.split():
                word_width = chosen.width(word, size)
                while word_width > width and len(word) > 1:  # a very long word: as much as fits, then the rest
                    if current:
                        lines.append(" ".join(current))
                        current, current_width = [], 0.0
                    cut = len(word) - 1
                    while cut > 1 and chosen.width(word[:cut], size) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    word_width = chosen.width(word, size)
                if current and current_width + space + word_width > width:
                    lines.append(" ".join(current))
                    current, current_width = [], 0.0
                current_width += (space if current else 0) + word_width
                current.append(word)
            lines.append(" ".join(current))
        return lines

    def paragraph(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        *,
        font: str = REGULAR,
        size: float = 11,
        leading: float | None = None,
        align: str = "left",
        color: tuple[float, float, float] = (0, 0, 0),
        indent: float = 0,
    ) -> float:
        """Wrapped text, first baseline at `y`, lines `leading` mm apart (1.45 × the size by default); the lines
        after the first start `indent` mm further right (a hanging indent). Returns the baseline after the last
        line."""
        leading = leading or size * 1.45 / MM
        lines = self.wrap(text, width, font=font, size=size)
        if indent and len(lines) > 1:
            rest = self.wrap(" ".join(lines[1:]), width - indent, font=font, size=size)
            lines = lines[:1] + rest
        for index, line in enumerate(lines):
            offset = indent if index else 0
            self.text(x + offset, y, line, font=font, size=size, align=align, width=width - offset, color=color)
            y += leading
        return y

    # Shapes --------------------------------------------------------------------------------------------

    def line(
        self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.3, color=(0, 0, 0)
    ) -> None:  # fmt: skip
        self._set_stroke(color, width)
        h = self.height
        self._ops.append(f"{_n(x1 * MM)} {_n((h - y1) * MM)} m {_n(x2 * MM)} {_n((h - y2) * MM)} l S")

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: tuple[float, float, float] | None = None,
        stroke: tuple[float, float, float] | None = (0, 0, 0),
        width: float = 0.3,
    ) -> None:
        """A rectangle from its top left corner, filled, stroked or both."""
        if fill is not None:
            self._set_fill(fill)
        if stroke is not None:
            self._set_stroke(stroke, width)
        operator = "B" if fill is not None and stroke is not None else ("f" if fill is not None else "S")
        self._ops.append(f"{_n(x * MM)} {_n((self.height - y - h) * MM)} {_n(w * MM)} {_n(h * MM)} re {operator}")

    def qr(self, x: float, y: float, size: float, matrix: Sequence[Sequence[int]], *, color=(0, 0, 0)) -> None:
        """A QR code (its modules as a square matrix of 0/1, without the quiet zone) `size` mm wide from its top left
        corner. Each run of dark modules in a row is one rectangle, drawn in module units under one scaling."""
        count = len(matrix)
        if not count:
            return
        module = size * MM / count
        self._set_fill(color)
        ops = [f"q {_n(module)} 0 0 {_n(-module)} {_n(x * MM)} {_n((self.height - y) * MM)} cm"]
        for row_index, row in enumerate(matrix):
            start = -1
            for col_index, dark in enumerate(row):
                if dark and start < 0:
                    start = col_index
                elif not dark and start >= 0:
                    ops.append(f"{start} {row_index} {col_index - start} 1 re")
                    start = -1
            if start >= 0:
                ops.append(f"{start} {row_index} {count - start} 1 re")
        ops.append("f Q")
        self._ops.append("\n".join(ops))

    def content(self) -> bytes:
        return "\n".join(self._ops).encode("ascii")


def _text_string(value: str) -> bytes:
    """A PDF text string that holds any character: UTF-16BE with its byte order mark, in hex."""
    return b"<FEFF" + nfc(value).encode("utf-16-be").hex().upper().encode("ascii") + b">"


def document(pages: Iterable[Page], *, title: str, author: str = "", subject: str = "", lang: str = "vi") -> bytes:
    """The complete PDF file of these pages."""
    fonts = font_set()
    out = bytearray(HEADER)
    out += fonts.blob
    offsets: dict[int, int] = dict(enumerate(fonts.offsets, start=FIRST_FONT_OBJECT))
    first_page = FIRST_FONT_OBJECT + len(fonts.offsets)
    page_objects: list[bytes] = []
    kids: list[bytes] = []
    digest = hashlib.md5(title.encode(), usedforsecurity=False)
    for index, page in enumerate(pages):
        number = first_page + 2 * index
        content = zlib.compress(page.content(), 1)  # a few kB of operators: level 1 is 4× faster, 20 % larger
        digest.update(content)
        kids.append(b"%d 0 R" % number)
        page_objects.append(
            b"%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font << %s >> "
            b"/ProcSet [/PDF /Text] >> /Contents %d 0 R >>\nendobj\n"
            % (number, _n(page.width * MM).encode(), _n(page.height * MM).encode(), fonts.resources, number + 1)
        )
        page_objects.append(
            b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n"
            % (number + 1, len(content), content)
        )
    info = b"/Title %s /Producer (bdtx)" % _text_string(title)
    if author:
        info += b" /Author %s" % _text_string(author)
    if subject:
        info += b" /Subject %s" % _text_string(subject)
    fixed = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang (%s) >>" % lang.encode("ascii"),
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids)),
        b"<< %s >>" % info,
    ]
    for number, body in enumerate(fixed, start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    for index, body in enumerate(page_objects):
        offsets[first_page + index] = len(out)
        out += body
    size = first_page + len(page_objects)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in range(1, size))
    identifier = digest.hexdigest().upper().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        identifier,
        identifier,
        xref,
    )
    return bytes(out)
