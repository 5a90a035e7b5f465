"""The printed forms of the appraisal cycle, built on bdtx.lib.pdf.

Teachers: Công văn 4530/BGDĐT-NGCBQLGD Phụ lục II (TT 20/2018; TT 26/2018 uses the same forms under
CV 5569): form 01 self-assessment, 02 a colleague's opinions, 03 the subject group's summary of opinions,
04 the school's summary. Principals (TT 14/2018, TT 25/2018; CV 4529): self-assessment, the summary of the
staff's opinions, and the evaluation by the level above. What the sources give of the layouts is followed
(REGULATIONS.md §3.1: the header fields of form 01, its TT | Tiêu chí | CĐ/Đ/K/T | Minh chứng table and
"Điểm mạnh"); the rest is laid out sensibly and marked "layout not confirmed" where it is ours.

Builders take loaded records and return a Document; the views fetch in the user's scope and name the file.
Every count is computed from the stored opinions and levels, never typed."""

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bdtx.lib.pdf import Document, Signature
from bdtx.organisations.models import Unit, UnitKind
from bdtx.rules.models import Criterion, Rating, Standard, Subject

from .models import Appraisal, AppraisalCycle, Evidence, Opinion, SubjectGroup

LEVELS_UP = ["chua_dat", "dat", "kha", "tot"]  # the order of the CĐ | Đ | K | T columns
LEVELS_DOWN = ["tot", "kha", "dat", "chua_dat"]  # the order of counts and totals
PLACE_PREFIXES = (
    "UBND ",
    "Ủy ban nhân dân ",
    "Uỷ ban nhân dân ",
    "Phòng Giáo dục và Đào tạo ",
    "Phòng GDĐT ",
    "Phòng GD&ĐT ",
    "Sở Giáo dục và Đào tạo ",
    "Sở GDĐT ",
    "Sở GD&ĐT ",
)
AREA_PREFIXES = ("xã ", "phường ", "thị trấn ", "đặc khu ", "quận ", "huyện ", "thị xã ", "thành phố ", "tỉnh ")


def short_level(code: str) -> str:
    """The column heading of a level on the forms: CĐ, Đ, K, T."""
    return {
        "chua_dat": pgettext("level, short", "NM"),
        "dat": pgettext("level, short", "M"),
        "kha": pgettext("level, short", "G"),
        "tot": pgettext("level, short", "E"),
    }.get(code, "")


def level_label(code: str) -> str:
    return str(dict(Rating.choices).get(code, "")) if code else ""


def date_text(day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = timezone.localdate(day)
    return day.strftime("%d/%m/%Y")


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


# Where a unit is ----------------------------------------------------------------------------------------


class Places:
    """The commune/ward (or district) and the province a unit belongs to, from its ancestors (one query)."""

    def __init__(self, unit: Unit):
        chain = [*unit.ancestors(), unit]
        self.unit = unit
        self.parent = chain[-2] if len(chain) > 1 else None
        self.local = next((u for u in reversed(chain) if u.kind in (UnitKind.COMMUNE, UnitKind.DISTRICT_OFFICE)), None)
        self.province = next((u for u in chain if u.kind == UnitKind.DEPARTMENT), None)

    @property
    def local_label(self) -> str:
        if self.local is not None and self.local.kind == UnitKind.DISTRICT_OFFICE:
            return _("District")
        return _("Commune/ward")

    @property
    def local_name(self) -> str:
        return area_name(self.local.name, keep_kind=True) if self.local else ""

    @property
    def province_name(self) -> str:
        return area_name(self.province.name) if self.province else ""

    @property
    def place(self) -> str:
        """The place written before the date: the commune or district, else the province."""
        if self.local is not None:
            return area_name(self.local.name)
        return self.province_name

    def header_lines(self) -> list[str]:
        """The issuing unit as Vietnamese forms show it: the unit above, then the unit itself."""
        return [self.parent.name if self.parent else "", self.unit.name]


def area_name(name: str, *, keep_kind: bool = False) -> str:
    """ "UBND phường Tân Phong" → "Tân Phong" ("Phường Tân Phong" with keep_kind); "Sở Giáo dục và Đào tạo
    Lai Châu" → "Lai Châu"."""
    for prefix in PLACE_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    for kind in AREA_PREFIXES:
        if name.lower().startswith(kind):
            return name[:1].upper() + name[1:] if keep_kind else name[len(kind) :]
    return name


# Shared pieces ------------------------------------------------------------------------------------------


def is_preschool(standard: Standard) -> bool:
    return "mam_non" in (standard.applies_to or {}).get("levels", [])


def school_year_line(cycle: AppraisalCycle) -> str:
    return _("School year %(year)s") % {"year": cycle.school_year}


def standard_line(standard: Standard) -> str:
    return _("Standard: %(name)s (%(document)s)") % {"name": standard.name, "document": standard.document}


def criteria_of(standard: Standard) -> list[Criterion]:
    return list(Criterion.objects.filter(standard=standard).select_related("area").order_by("number"))


def criterion_table(criteria: Sequence[Criterion]) -> tuple[dict[int, str], list[tuple[Criterion, str]], bool]:
    """The "Tiêu chuẩn n. …" band before the first criterion of each area, each criterion's title (marked (*)
    when the sources could not confirm it), and whether any is so marked."""
    bands: dict[int, str] = {}
    rows = []
    seen = set()
    unconfirmed = False
    for index, criterion in enumerate(criteria):
        area = criterion.area
        if area is not None and area.pk not in seen:
            seen.add(area.pk)
            bands[index] = _("Area %(number)d. %(title)s") % {"number": area.number, "title": area.title}
        title = criterion.title
        if not criterion.confirmed:
            title += " (*)"
            unconfirmed = True
        rows.append((criterion, title))
    return bands, rows, unconfirmed


def unconfirmed_note(document: Document) -> None:
    document.paragraph(
        _("(*) The sources could not confirm this criterion's title: check it against the circular."), size=8
    )


def counts_compact(counts: dict | None) -> str:
    """ "1/1/0/0": colleagues' opinions at Tốt, Khá, Đạt, Chưa đạt (for the narrow column of form 04)."""
    counts = counts or {}
    return "/".join(str(counts.get(code, 0)) for code in LEVELS_DOWN)


def counts_text(counts: dict | None) -> str:
    """ "T 3 · K 1 · Đ 0 · CĐ 0 (4)": colleagues' opinions at each level, and how many gave one."""
    if not counts or not counts.get("total"):
        return "0"
    parts = " · ".join(f"{short_level(code)} {counts[code]}" for code in LEVELS_DOWN)
    return f"{parts} ({counts['total']})"


def level_order(separator: str = " · ") -> str:
    return separator.join(short_level(code) for code in LEVELS_DOWN)


def draft_line(appraisal: Appraisal, which: str) -> str:
    if which == "self" and not appraisal.submitted:
        return _("DRAFT: the self-assessment has not been submitted")
    if which == "final" and not appraisal.confirmed:
        return _("DRAFT: the evaluation has not been confirmed")
    return ""


# Form 01: self-assessment -------------------------------------------------------------------------------


def form_01(appraisal: Appraisal) -> Document:
    """Phiếu tự đánh giá: the person's level on each criterion (an x under CĐ/Đ/K/T) with the titles of their
    evidence, then strengths, points to improve, the development plan and the self-rating."""
    standard, staff, cycle = appraisal.standard, appraisal.staff, appraisal.cycle
    principal = standard.subject == Subject.PRINCIPAL
    if principal:
        title = _("Principal's self-assessment form")
    elif is_preschool(standard):
        title = _("Self-assessment form of a preschool teacher")
    else:
        title = _("Self-assessment form of a general-education teacher")
    places = Places(appraisal.unit)
    document = Document(title=title)
    document.national_header(unit_lines=places.header_lines(), form_label=_("Form 01"))
    document.heading(title, school_year_line(cycle), standard_line(standard), draft_line(appraisal, "self"))
    if principal:
        fields = [
            (_("Province/city"), places.province_name),
            (places.local_label, places.local_name),
            (_("Levels"), appraisal.unit.levels_display),
            (_("School"), appraisal.unit.name),
            (_("Full name of the person assessing themself"), staff.full_name),
            (_("Date of the assessment"), date_text(appraisal.self_submitted_at)),
        ]
    else:
        fields = [
            (_("Teacher's full name"), staff.full_name),
            (_("School"), appraisal.unit.name),
            (_("Subjects taught"), staff.subjects),
            (_("Form teacher of class"), ""),  # not recorded in bdtx: left to fill in by hand
            (places.local_label, places.local_name),
            (_("Province/city"), places.province_name),
        ]
    document.fields(fields, columns=2)
    document.paragraph(
        _(
            "Mark with an x the level reached on each criterion: not met (%(nm)s), met (%(m)s), good (%(g)s), "
            "excellent (%(e)s)."
        )
        % {"nm": short_level("chua_dat"), "m": short_level("dat"), "g": short_level("kha"), "e": short_level("tot")},
        size=9,
    )
    document.ln(1)

    evidence: dict[int | None, list[str]] = {}
    for item in Evidence.objects.filter(appraisal=appraisal).order_by("criterion_number", "pk"):
        evidence.setdefault(item.criterion_number, []).append(item.title)
    levels = appraisal.levels("self")
    bands, titled, unconfirmed = criterion_table(criteria_of(standard))
    rows = [
        [
            str(criterion.number),
            title,
            *("x" if levels.get(criterion.number) == code else "" for code in LEVELS_UP),
            "; ".join(evidence.get(criterion.number, [])),
        ]
        for criterion, title in titled
    ]
    document.grid(
        [_("No."), _("Criterion"), *(short_level(code) for code in LEVELS_UP), _("Evidence")],
        rows,
        widths=[10, 70, 8, 8, 8, 8, 50],
        align=["C", "L", "C", "C", "C", "C", "L"],
        bands=bands,
    )
    if unconfirmed:
        unconfirmed_note(document)
    if evidence.get(None):
        document.fields([(_("Evidence for the whole self-assessment"), "; ".join(evidence[None]))])

    document.paragraph(_("Comments (write them out):"), bold=True)
    document.section(_("1. Strengths:"), appraisal.strengths)
    document.section(_("2. Points to improve:"), appraisal.weaknesses)
    plan = appraisal.development_plan
    declared = ", ".join(str(n) for n in appraisal.declared_criteria)
    if declared or appraisal.declared_needs:
        needs = _("Training needs: criteria %(numbers)s. %(text)s") % {
            "numbers": declared or "—",
            "text": appraisal.declared_needs,
        }
        plan = f"{plan}\n{needs}".strip()
    document.section(_("3. Learning and development plan for the next school year:"), plan)
    document.fields([(_("4. Self-rating"), level_label(appraisal.self_rating))])
    document.signatures(
        [Signature(_("Person assessing themself"), staff.full_name)],
        place=places.place,
        day=local_day(appraisal.self_submitted_at),
    )
    return document


# Form 02: a colleague's opinions ------------------------------------------------------------------------


def form_02(author, cycle: AppraisalCycle, groups: Sequence[SubjectGroup], rows: Sequence[tuple]) -> Document:
    """Phiếu lấy ý kiến của đồng nghiệp trong tổ chuyên môn: the author's level (an x) and comments on each
    colleague. `rows`: (StaffMember, Opinion or None) in name order; a colleague without one is left blank to
    fill in by hand. Layout not confirmed beyond the title (CV 4530 Phụ lục II)."""
    title = _("Form for colleagues' opinions in the subject group")
    places = Places(author.unit)
    document = Document(title=title)
    document.national_header(unit_lines=places.header_lines(), form_label=_("Form 02"))
    document.heading(title, school_year_line(cycle))
    document.fields(
        [
            (_("School"), author.unit.name),
            (_("Subject group"), ", ".join(group.name for group in groups)),
            (_("Colleague giving the opinions"), author.full_name),
            (_("Number of colleagues"), str(len(rows))),
        ],
        columns=2,
    )
    table_rows = []
    for number, (member, opinion) in enumerate(rows, start=1):
        rating = opinion.rating if opinion else ""
        table_rows.append(
            [
                str(number),
                member.full_name,
                *("x" if rating == code else "" for code in LEVELS_UP),
                opinion.strengths if opinion else "",
                opinion.weaknesses if opinion else "",
            ]
        )
    document.grid(
        [
            _("No."),
            _("Teacher's full name"),
            *(short_level(code) for code in LEVELS_UP),
            _("Strengths"),
            _("Points to improve"),
        ],
        table_rows,
        widths=[10, 42, 8, 8, 8, 8, 44, 44],
        align=["C", "L", "C", "C", "C", "C", "L", "L"],
    )
    document.signatures([Signature(_("Colleague giving the opinions"), author.full_name)], place=places.place,
                        day=timezone.localdate())  # fmt: skip
    return document


# Form 03: the subject group's summary of opinions ------------------------------------------------------


def form_03(group: SubjectGroup, cycle: AppraisalCycle, rows: Sequence[tuple]) -> Document:
    """Bảng tổng hợp kết quả đánh giá của đồng nghiệp trong tổ chuyên môn: for each member, how many colleagues
    gave each level. `rows`: (StaffMember, counts from services.opinion_summary or None) in name order."""
    title = _("Summary of colleagues' opinions in the subject group")
    places = Places(group.unit)
    document = Document(title=title)
    document.national_header(unit_lines=places.header_lines(), form_label=_("Form 03"))
    document.heading(title, school_year_line(cycle))
    document.fields(
        [
            (_("School"), group.unit.name),
            (_("Subject group"), group.name),
            (_("Group leader"), group.leader.full_name if group.leader else ""),
            (_("Number of members"), str(len(rows))),
        ],
        columns=2,
    )
    document.paragraph(_("Number of colleagues who rated each member at each level:"), size=9)
    table_rows = []
    for number, (member, counts) in enumerate(rows, start=1):
        counts = counts or {"tot": 0, "kha": 0, "dat": 0, "chua_dat": 0, "total": 0}
        table_rows.append(
            [str(number), member.full_name, *(str(counts[code]) for code in LEVELS_DOWN), str(counts["total"]), ""]
        )
    document.grid(
        [_("No."), _("Teacher's full name"), *(level_label(code) for code in LEVELS_DOWN), _("Total"), _("Notes")],
        table_rows,
        widths=[10, 52, 16, 16, 16, 18, 16, 26],
        align=["C", "L", "C", "C", "C", "C", "C", "L"],
    )
    document.signatures(
        [Signature(_("Subject group leader"), group.leader.full_name if group.leader else "")],
        place=places.place,
        day=timezone.localdate(),
    )
    return document


# Form 04: the school's summary --------------------------------------------------------------------------


def form_04(unit: Unit, cycle: AppraisalCycle, appraisals: Sequence[Appraisal], summary: dict[int, dict]) -> Document:
    """Bảng tổng hợp kết quả đánh giá giáo viên của cơ sở giáo dục: per teacher the head's level on each
    criterion, the self-rating, the colleagues' opinions and the head's rating; totals per level below.
    A4 landscape so that 15 criteria fit; the column set follows CV 4530 as far as it is known."""
    title = _("Summary of the evaluation of the teachers of the school")
    places = Places(unit)
    count = max((a.standard.criteria_count for a in appraisals), default=15)
    document = Document(title=title, landscape=True, font_size=10)
    document.national_header(unit_lines=places.header_lines(), form_label=_("Form 04"))
    document.heading(title, f"{unit.name} · {school_year_line(cycle)}")
    rows = []
    for number, appraisal in enumerate(appraisals, start=1):
        final = appraisal.levels("final")
        rows.append(
            [
                str(number),
                appraisal.staff.full_name,
                *(short_level(final.get(n, "")) for n in range(1, count + 1)),
                level_label(appraisal.self_rating),
                counts_compact(summary.get(appraisal.pk)),
                level_label(appraisal.final_rating) if appraisal.confirmed else "",
                "" if appraisal.confirmed else str(appraisal.get_evaluation_status_display()),
            ]
        )
    criterion_width = min(8.0, 120 / count)
    document.grid(
        [
            _("No."),
            _("Teacher's full name"),
            *(str(n) for n in range(1, count + 1)),
            _("Self-rating"),
            _("Colleagues (%(levels)s)") % {"levels": level_order("/")},
            _("Head's rating"),
            _("Notes"),
        ],
        rows,
        widths=[10, 46, *([criterion_width] * count), 20, 28, 22, 21],
        align=["C", "L", *(["C"] * count), "C", "C", "C", "L"],
        font_size=8,
    )
    document.paragraph(
        _("Columns 1–%(count)d: the level given by the head on each criterion (%(levels)s).")
        % {"count": count, "levels": ", ".join(f"{short_level(c)} = {level_label(c)}" for c in LEVELS_DOWN)},
        size=8,
    )
    document.ln(2)
    totals = []
    people = len(appraisals)
    for code in LEVELS_DOWN:
        own = sum(1 for a in appraisals if a.self_rating == code)
        final = sum(1 for a in appraisals if a.confirmed and a.final_rating == code)
        totals.append([level_label(code), str(own), str(final), percent(final, people)])
    not_rated = sum(1 for a in appraisals if not a.confirmed)
    totals.append([_("Not rated yet"), str(sum(1 for a in appraisals if not a.self_rating)), str(not_rated),
                   percent(not_rated, people)])  # fmt: skip
    totals.append([_("Total"), str(people), str(people), percent(people, people)])
    if document.will_page_break(50):
        document.add_page()
    document.paragraph(_("Totals by level"), bold=True)
    document.grid(
        [pgettext("rating", "Level"), _("Self-rating (people)"), _("Head's rating (people)"), _("Head's rating (%)")],
        totals,
        widths=[40, 30, 30, 30],
        align=["L", "C", "C", "C"],
        width=0.7,
        bold_rows={len(totals) - 1},
    )
    document.signatures([Signature(_("Head of the school"), evaluator_name(appraisals))], place=places.place,
                        day=timezone.localdate())  # fmt: skip
    return document


def percent(part: int, whole: int) -> str:
    """ "50,0%" in Vietnamese (the decimal separator of the language)."""
    return f"{number_format(100 * part / whole, 1)}%" if whole else "—"


def evaluator_name(appraisals: Sequence[Appraisal]) -> str:
    """The head who confirmed the evaluations, when one person confirmed them all; else left to write by hand."""
    names = {a.evaluated_by.full_name or a.evaluated_by.username for a in appraisals if a.confirmed and a.evaluated_by}
    return names.pop() if len(names) == 1 else ""


# Principals: the staff's opinions ------------------------------------------------------------------------


def principal_opinions(appraisal: Appraisal, opinions: Sequence[Opinion]) -> Document:
    """The summary of the opinions of the school's teachers and staff on their principal (TT 14 Điều 10 khoản 1
    point 2; CV 4529): how many gave each level, and what they wrote, without their names (the form promises
    them secrecy). Layout not confirmed."""
    title = _("Summary of the staff's opinions on the principal")
    places = Places(appraisal.unit)
    document = Document(title=title)
    document.national_header(unit_lines=places.header_lines())
    document.heading(title, school_year_line(appraisal.cycle))
    document.fields(
        [
            (_("Province/city"), places.province_name),
            (places.local_label, places.local_name),
            (_("School"), appraisal.unit.name),
            (_("Levels"), appraisal.unit.levels_display),
        ],
        columns=2,
    )
    staff = appraisal.staff
    document.fields(
        [(_("Principal or vice principal evaluated"), f"{staff.full_name} ({staff.position})" if staff.position
          else staff.full_name)]
    )  # fmt: skip
    document.ln(1)
    total = len(opinions)
    rows = []
    for code in LEVELS_DOWN:
        count = sum(1 for o in opinions if o.rating == code)
        rows.append([level_label(code), str(count), percent(count, total)])
    rows.append([_("Total"), str(total), percent(total, total)])
    document.grid(
        [pgettext("rating", "Level"), _("Number of opinions"), _("Share")],
        rows,
        widths=[50, 30, 30],
        align=["L", "C", "C"],
        width=0.7,
        bold_rows={len(rows) - 1},
    )
    document.section(_("Strengths noted by the staff:"), bullet_list(o.strengths for o in opinions))
    document.section(_("Points to improve noted by the staff:"), bullet_list(o.weaknesses for o in opinions))
    document.signatures([Signature(_("Person compiling the summary"))], place=places.place, day=timezone.localdate())
    return document


def bullet_list(texts) -> str:
    return "\n".join(f"- {text.strip()}" for text in texts if text and text.strip())


# The evaluation (by the head, or the level above for a principal) ----------------------------------------


def evaluation_form(appraisal: Appraisal, *, evaluating_unit: Unit | None, counts: dict | None) -> Document:
    """The evaluation: per criterion the self-assessed level and the level given by the evaluator, with their
    comment; the self-rating, the colleagues' opinions (teachers), the evaluator's comment and the rating
    computed by the standard's rule. Layout not confirmed (CV 4530/4529 give no separate form for it)."""
    principal = appraisal.standard.subject == Subject.PRINCIPAL
    if principal:
        title = _("Evaluation of the principal by the managing level")
    else:
        title = _("Evaluation of the teacher by the head of the school")
    places = Places(evaluating_unit or appraisal.unit)
    document = Document(title=title)
    document.national_header(unit_lines=places.header_lines())
    document.heading(title, school_year_line(appraisal.cycle), standard_line(appraisal.standard),
                     draft_line(appraisal, "final"))  # fmt: skip
    staff = appraisal.staff
    document.fields(
        [
            (_("Full name"), staff.full_name),
            (_("Staff code"), staff.code),
            (_("Position"), staff.position),
            (_("Unit"), appraisal.unit.name),
        ],
        columns=2,
    )
    own, final = appraisal.levels("self"), appraisal.levels("final")
    comments = appraisal.final_comments or {}
    bands, titled, unconfirmed = criterion_table(criteria_of(appraisal.standard))
    rows = [
        [
            str(criterion.number),
            title,
            level_label(own.get(criterion.number, "")),
            level_label(final.get(criterion.number, "")),
            comments.get(str(criterion.number), ""),
        ]
        for criterion, title in titled
    ]
    document.grid(
        [_("No."), _("Criterion"), _("Self-assessed"), _("Evaluated"), _("Evaluator's comment")],
        rows,
        widths=[10, 64, 23, 23, 42],
        align=["C", "L", "C", "C", "L"],
        bands=bands,
    )
    if unconfirmed:
        unconfirmed_note(document)
    summary = [(_("Self-rating"), level_label(appraisal.self_rating))]
    if not principal:
        summary.append((_("Colleagues' opinions (%(levels)s)") % {"levels": level_order()}, counts_text(counts)))
    summary.append((_("Evaluator's comment"), appraisal.evaluation_comment))
    summary.append((_("Rating"), level_label(appraisal.final_rating)))
    if appraisal.confirmed:
        summary.append((_("Confirmed on"), date_text(appraisal.confirmed_at)))
    document.fields(summary)
    evaluator = appraisal.evaluated_by
    document.signatures(
        [
            Signature(_("Person evaluated"), staff.full_name),
            Signature(_("Evaluator"), (evaluator.full_name or evaluator.username) if evaluator else ""),
        ],
        place=places.place,
        day=local_day(appraisal.confirmed_at),
    )
    return document
