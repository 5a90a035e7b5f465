"""A unit's BDTX plan printed like the official plans (kế hoạch of a Sở, a Phòng/commune or a school), built on
bdtx.lib.pdf: the issuing unit beside the national header, "Số: …/KH" and the place and date, the title, the
legal grounds, then I. purposes and requirements, II. contents (the topics of 01 and 02 with their periods, the
modules of 03), III. forms of organisation, IV. outcomes and targets, V. implementation (deadlines), and the
head's signature. The layout follows the plans Sở and schools publish; the sources give no official form for it."""

from django.utils.translation import gettext as _
from fpdf.enums import XPos, YPos

from bdtx.appraisals.pdf import Places
from bdtx.lib.pdf import FONT, Document, Signature, dated_line

from . import services
from .aggregation import TopicRow, chain, topic_rows
from .models import PlanStatus, UnitPlan

ROMAN = ("I", "II", "III", "IV", "V")


def levels_text(row: TopicRow) -> str:
    return row.levels_display or _("For everyone")


def required_periods(plan: UnitPlan) -> dict[str, int]:
    """The periods per content the year's programmes require of the unit's people, where they all agree."""
    seen: dict[str, set[int]] = {}
    own_levels = set(plan.unit.level_list)
    for programme in services.year_programmes(plan.year):
        levels = set((programme.applies_to or {}).get("levels") or [])
        if own_levels and levels and not levels & own_levels:
            continue
        for code, periods in services.requirement_for(programme, plan.unit, plan.year).periods.items():
            seen.setdefault(code, set()).add(periods)
    return {code: next(iter(values)) for code, values in seen.items() if len(values) == 1}


def content_heading(number: int, content: str, required: dict[str, int]) -> str:
    if content in required:
        return _("%(number)d. Content %(content)s (%(periods)d periods)") % {
            "number": number,
            "content": content,
            "periods": required[content],
        }
    return _("%(number)d. Content %(content)s") % {"number": number, "content": content}


def unit_plan_document(plan: UnitPlan) -> Document:
    """The plan as a document; a plan not approved yet is marked as a draft."""
    places = Places(plan.unit)
    plans = chain(plan)
    rows = topic_rows(plans)
    modules = list(plan.modules.order_by("code"))
    required = required_periods(plan)
    school_year = plan.school_year
    document = Document(title=plan.title)
    document.national_header(unit_lines=places.header_lines())

    # "Số: …/KH-…" on the left, the place and the date on the right, as on every administrative document.
    top, half = document.get_y(), document.epw / 2
    document.set_font(FONT, size=document.base_size)
    document.cell(half, 5.5, _("No.: ……/KH"), align="C")
    day = plan.decided_at.date() if plan.decided_at and plan.status == PlanStatus.APPROVED else None
    document.set_xy(document.l_margin + half, top)
    document.multi_cell(half, 5.5, dated_line(places.place, day), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.ln(4)

    document.heading(_("PLAN"))
    document.paragraph(
        _("Continuous professional development of teachers and managers, school year %(year)s") % {"year": school_year},
        bold=True,
        align="C",
    )
    if plan.status != PlanStatus.APPROVED:
        document.paragraph(_("DRAFT (not approved yet)"), bold=True, align="C")
    document.ln(3)

    grounds = [
        _(
            "Pursuant to Circular 19/2019/TT-BGDĐT of 12/11/2019 of the Minister of Education and Training issuing "
            "the Regulation on continuous professional development of teachers and managers;"
        )
    ]
    grounds += [
        _("Pursuant to %(document)s issuing the %(name)s;") % {"document": p.document, "name": p.name}
        for p in services.year_programmes(plan.year)
    ]
    if len(plans) > 1:
        above = plans[1]
        grounds.append(
            _("Pursuant to the plan “%(title)s” of %(unit)s;") % {"title": above.title, "unit": above.unit.name}
        )
    for line in grounds:
        document.paragraph(line)
    document.paragraph(
        _(
            "%(unit)s makes its plan for the continuous professional development of teachers and managers in "
            "school year %(year)s as follows:"
        )
        % {"unit": plan.unit.name, "year": school_year}
    )
    document.ln(2)

    document.section(_("I. PURPOSES AND REQUIREMENTS"), plan.objectives)

    document.paragraph(_("II. CONTENTS"), bold=True)
    number = 0
    for content in services.TOPIC_CONTENTS:
        number += 1
        document.paragraph(content_heading(number, content, required), bold=True)
        own = [row for row in rows if row.topic.content == content]
        if not own:
            document.paragraph(_("No topic set yet."))
            continue
        table = [
            (
                index,
                row.topic.title,
                levels_text(row),
                row.topic.periods,
                row.plan.unit.name,
            )
            for index, row in enumerate(own, start=1)
        ]
        table.append(("", _("Total"), "", sum(row.topic.periods for row in own), ""))
        document.grid(
            [_("No."), _("Topic"), _("For"), _("Periods"), _("Set by")],
            table,
            widths=(8, 48, 18, 10, 26),
            align=("C", "L", "L", "C", "L"),
            bold_rows={len(table) - 1},
        )
    number += 1
    document.paragraph(content_heading(number, "03", required), bold=True)
    if modules:
        document.paragraph(_("Teachers and managers choose among these modules to make up the periods of content 03:"))
        document.grid(
            [_("No."), _("Module"), _("Module title"), _("Periods")],
            [
                (index, module.code, module.title, module.periods or _("not set"))
                for index, module in enumerate(modules, start=1)
            ],
            widths=(8, 16, 62, 14),
            align=("C", "L", "L", "C"),
        )
    else:
        document.paragraph(_("No module listed yet."))

    document.section(_("III. FORMS OF ORGANISATION"), plan.organisation)

    document.paragraph(_("IV. EXPECTED OUTCOMES AND TARGETS"), bold=True)
    document.section(_("1. Expected outcomes"), plan.outcomes)
    document.section(_("2. Targets"), plan.targets)

    document.paragraph(_("V. IMPLEMENTATION"), bold=True)
    deadline = plan.personal_plan_deadline
    if deadline:
        document.paragraph(
            _("1. Teachers and managers make their personal BDTX plans and submit them for approval by %(day)s.")
            % {"day": deadline.strftime("%d/%m/%Y")}
        )
    else:
        document.paragraph(_("1. Teachers and managers make their personal BDTX plans and submit them for approval."))
    if plan.unit.children.exists():
        document.paragraph(
            _("2. The units below make their own plans from this one and submit them to %(unit)s for approval.")
            % {"unit": plan.unit.name}
        )
    else:
        document.paragraph(
            _(
                "2. The head of the school approves the personal plans, follows their progress and reports the "
                "results at the end of the school year."
            )
        )
    if len(plans) > 1:
        document.paragraph(_("3. This plan is submitted to %(unit)s for approval.") % {"unit": plans[1].unit.name})
    document.ln(2)
    document.signatures([Signature(_("HEAD OF THE UNIT"), hint=_("(Signature, full name and seal)"))], dated=False)
    return document
