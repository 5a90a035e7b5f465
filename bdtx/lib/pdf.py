"""Printed documents (PDF) in the Vietnamese administrative layout, with fpdf2 and an embedded Unicode font.

`Document` is an A4 page with the issuing unit beside the national header, a title, labelled fields,
paragraphs, tables whose long cells wrap and whose header row repeats on every page, the
"<place>, ngày … tháng … năm …" line and signature blocks. The appraisal forms use it; so will certificates.
Callers pass text in the user's language (gettext); the document only lays it out."""

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
PDF_CONTENT_TYPE = "application/pdf"
GREY = (235, 235, 235)


def nfc(value: object) -> str:
    """Text as the font draws it: composed characters (a decomposed "ễ" would print as e + marks) and plain
    line breaks (a textarea sends CR LF)."""
    text = "" if value is None else str(value)
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Signature:
    """One signature block: the role in capitals ("NGƯỜI TỰ ĐÁNH GIÁ"), a hint under it, the name once signed."""

    role: str
    name: str = ""
    hint: str = ""


class Document(FPDF):
    """An A4 document (portrait or landscape) in DejaVu Sans, numbered "Trang x/y" at the foot of each page."""

    def __init__(self, *, title: str, landscape: bool = False, font_size: float = 11):
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        font_dir = Path(settings.PDF_FONT_DIR)
        for style, name in FONT_FILES.items():
            path = font_dir / name
            if not path.exists():
                raise ImproperlyConfigured(
                    f"PDF font {path} is missing: install Debian's fonts-dejavu-core or set PDF_FONT_DIR."
                )
            self.add_font(FONT, style, str(path))
        self.base_size = font_size
        self.set_title(nfc(title))
        self.set_creator("bdtx")
        self.set_lang(get_language() or "vi")
        self.set_margins(left=20, top=15, right=15)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()
        self.set_font(FONT, size=font_size)
        self.add_page()

    # Page furniture ------------------------------------------------------------------------------------

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.cell(0, 5, _("Page %(n)s of %(total)s") % {"n": self.page_no(), "total": "{nb}"}, align="C")
        self.set_font(FONT, size=self.base_size)

    def national_header(self, *, unit_lines: Sequence[str], form_label: str = "") -> None:
        """The issuing unit on the left (its parent above it, the unit itself in bold), the national name and
        motto on the right, each underlined by a short rule; `form_label` (e.g. "Biểu mẫu 01") above on the right."""
        width = self.epw
        left_w, right_w = width * 0.42, width * 0.58
        if form_label:
            self.set_font(FONT, "B", 9)
            self.cell(0, 5, nfc(form_label), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        top = self.get_y()
        lines = [line for line in unit_lines if line]
        self.set_font(FONT, size=9.5)
        for index, line in enumerate(lines):
            bold = index == len(lines) - 1
            self.set_font(FONT, "B" if bold else "", 9.5)
            self.set_x(self.l_margin)
            self.multi_cell(left_w, 4.8, nfc(line).upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        left_bottom = self.get_y()
        if lines:
            self._rule(self.l_margin + left_w / 2, left_bottom + 0.8, 22)
        self.set_xy(self.l_margin + left_w, top)
        self.set_font(FONT, "B", 9.5)
        self.multi_cell(right_w, 4.8, _("SOCIALIST REPUBLIC OF VIETNAM"), align="C", new_y=YPos.NEXT)
        self.set_x(self.l_margin + left_w)
        self.set_font(FONT, "B", 10)
        self.multi_cell(right_w, 4.8, _("Independence - Freedom - Happiness"), align="C", new_y=YPos.NEXT)
        right_bottom = self.get_y()
        self._rule(self.l_margin + left_w + right_w / 2, right_bottom + 0.8, 55)
        self.set_xy(self.l_margin, max(left_bottom, right_bottom) + 6)
        self.set_font(FONT, size=self.base_size)

    def _rule(self, centre_x: float, y: float, length: float) -> None:
        self.set_line_width(0.3)
        self.line(centre_x - length / 2, y, centre_x + length / 2, y)
        self.set_line_width(0.2)

    def heading(self, title: str, *subtitles: str) -> None:
        """The document's title in bold capitals, centred, and a line or two under it (school year, status)."""
        self.set_font(FONT, "B", self.base_size + 2)
        self.multi_cell(0, 6.5, nfc(title).upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=self.base_size)
        for line in subtitles:
            if line:
                self.multi_cell(0, 5.5, nfc(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    # Body ----------------------------------------------------------------------------------------------

    def fields(self, pairs: Sequence[tuple[str, object]], *, columns: int = 1) -> None:
        """ "Label: value" lines (a blank value is left dotted, to fill in by hand), in one or two columns."""
        if columns == 2:
            half = self.epw / 2
            for start in range(0, len(pairs), 2):
                y = self.get_y()
                heights = []
                for offset, (label, value) in enumerate(pairs[start : start + 2]):
                    self.set_xy(self.l_margin + offset * half, y)
                    self._field(label, value, half)
                    heights.append(self.get_y())
                self.set_xy(self.l_margin, max(heights))
        else:
            for label, value in pairs:
                self._field(label, value, self.epw)
        self.ln(1.5)

    def _field(self, label: str, value: object, width: float) -> None:
        # The label in bold, the value beside it, wrapping under itself (a hanging indent).
        x = self.get_x()
        text = nfc(value).strip()
        self.set_font(FONT, "B", self.base_size)
        label = f"{nfc(label)}: "
        label_w = min(self.get_string_width(label) + 2 * self.c_margin + 0.5, width * 0.6)
        top, page = self.get_y(), self.page
        label_h = self.multi_cell(label_w, 5.5, label, align="L", dry_run=True, output="HEIGHT")
        self.multi_cell(label_w, 5.5, label, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_font(FONT, size=self.base_size)
        if not text:  # dots to the end of the line, to fill in by hand
            text = "." * int((width - label_w - 2 * self.c_margin) / self.get_string_width("."))
        self.multi_cell(width - label_w, 5.5, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_xy(x, max(self.get_y(), top + label_h) if self.page == page else self.get_y())

    def paragraph(self, text: str, *, bold: bool = False, size: float | None = None, align: str = "J") -> None:
        self.set_font(FONT, "B" if bold else "", size or self.base_size)
        self.multi_cell(0, 5.5, nfc(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=self.base_size)

    def section(self, title: str, text: str = "", *, blank_lines: int = 2) -> None:
        """A bold heading and its text; with no text, dotted lines to write on."""
        if self.will_page_break(16):
            self.add_page()
        self.paragraph(title, bold=True)
        if text.strip():
            self.paragraph(text)
        else:
            for _line in range(blank_lines):
                self.paragraph("…" * 60, align="L")
        self.ln(1.5)

    def grid(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        widths: Sequence[float],
        align: Sequence[str] | None = None,
        bands: dict[int, str] | None = None,
        bold_rows: set[int] | frozenset[int] = frozenset(),
        font_size: float | None = None,
        width: float = 1.0,
    ) -> None:
        """A bordered table: the header row (grey, bold, centred) repeats on every page; long cells wrap.
        `widths` are proportions of the page width; `align` per column ("L", "C", "R"); `bands` maps a row
        index to a bold line spanning the whole table before that row (e.g. "Tiêu chuẩn 1. …"); `width` is the
        share of the page width the table takes (centred)."""
        size = font_size or self.base_size - 1
        self.set_font(FONT, size=size)
        align = list(align or ["L"] * len(headers))
        with self.table(
            col_widths=tuple(widths),
            width=self.epw * width,
            line_height=size * 0.5,
            padding=(0.8, 1.2),
            headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
            borders_layout=TableBordersLayout.ALL,
            repeat_headings=1,
            v_align="MIDDLE",
            text_align=tuple(align),
        ) as table:
            heading = table.row()
            for header in headers:
                heading.cell(nfc(header), align="C")
            band_style = FontFace(emphasis="BOLD", fill_color=GREY)
            bold = FontFace(emphasis="BOLD")
            for index, values in enumerate(rows):
                if bands and index in bands:
                    table.row().cell(nfc(bands[index]), colspan=len(headers), align="L", style=band_style)
                row = table.row()
                for column, value in enumerate(values):
                    row.cell(nfc(value), align=align[column], style=bold if index in bold_rows else None)
        self.set_font(FONT, size=self.base_size)
        self.ln(3)

    # Closing -------------------------------------------------------------------------------------------

    def place_and_date(self, place: str, day: dt.date | None, *, x: float | None = None, width: float | None = None):
        self.set_font(FONT, size=self.base_size)
        self.set_x(self.l_margin if x is None else x)
        self.multi_cell(width or 0, 5.5, dated_line(place, day), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def signatures(
        self, blocks: Sequence[Signature], *, place: str = "", day: dt.date | None = None, dated: bool = True
    ) -> None:
        """Signature blocks side by side across the page (never split over two pages); the place-and-date line
        (blanks to fill in when `day` is None) sits above the right-most one, as on Vietnamese forms."""
        needed = 38 + (6 if dated else 0)
        if self.will_page_break(needed):
            self.add_page()
        self.ln(2)
        # At least two columns: a single signature sits on the right half, as on paper.
        count = max(len(blocks), 2)
        width = self.epw / count
        if dated:
            self.place_and_date(place, day, x=self.l_margin + width * (count - 1), width=width)
        top = self.get_y()
        for index, block in enumerate(blocks, start=count - len(blocks)):
            x = self.l_margin + width * index
            self.set_xy(x, top)
            self.set_font(FONT, "B", self.base_size)
            self.multi_cell(width, 5.5, nfc(block.role).upper(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_font(FONT, size=self.base_size - 2)
            self.multi_cell(width, 4.5, nfc(block.hint or _("(Signature and full name)")), align="C",
                            new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
            self.set_xy(x, top + 28)
            self.set_font(FONT, "B", self.base_size)
            self.multi_cell(width, 5.5, nfc(block.name), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_xy(self.l_margin, top + 36)
        self.set_font(FONT, size=self.base_size)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def dated_line(place: str, day: dt.date | None) -> str:
    """ "Tân Phong, ngày 05 tháng 6 năm 2026": a day below 10 and the months 1 and 2 take a leading zero
    (Nghị định 30/2020/NĐ-CP, Phụ lục I); with no day, dotted blanks to fill in by hand."""
    if day is None:
        parts = {"day": "……", "month": "……", "year": "……"}
    else:
        parts = {
            "day": f"{day.day:02d}",
            "month": f"{day.month:02d}" if day.month <= 2 else str(day.month),
            "year": str(day.year),
        }
    return _("%(place)s, day %(day)s month %(month)s year %(year)s") % {"place": nfc(place) or "……………", **parts}


def pdf_response(document: Document, filename: str) -> HttpResponse:
    """The document shown in the browser (which can print or save it) under an ASCII file name."""
    response = HttpResponse(document.to_bytes(), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
