"""The dashboards' charts, drawn on the server (bdtx.lib.svgcharts) from the same figures as the tables under them:
completion and the share meeting Điều 72 by child unit (bars linking to each child's dashboard, completion with its
target line), the ratings by child unit (100% stacked bars), the retirement forecast by school year and level
(columns), the training-needs heat map (units × criteria) and the targets (progress against their threshold).

Each chart comes with the id of the table holding its figures (templates/partials/chart.html links to it): at a unit
without children the charts are by level and staff group, as the tables are. A chart is None when its table is not
on the page either (nothing to show). The same charts go into the printed dashboard (bdtx/dashboards/exports.py)."""

import dataclasses
import re
from functools import cached_property

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from bdtx.lib import svgcharts
from bdtx.lib.schoolyear import school_year_label
from bdtx.results.reports import TARGET_PERCENT

from . import figures
from .models import TargetMetric

_ROW = re.compile(r'<g class="row">.*?</g>', re.S)


@dataclasses.dataclass(frozen=True)
class Chart:
    svg: SafeString
    table_id: str


def line_label(line) -> str:
    """A table line's name as the chart shows it ("Trực thuộc Sở …" for the people directly at the unit)."""
    return _("Directly at %(unit)s") % {"unit": line.label} if line.direct else line.label


def drill_href(line, year: int, anchor: str = "") -> str:
    """The child unit's own dashboard for the same school year (none for the people directly at the unit)."""
    if line.direct or not line.href:
        return ""
    return f"{line.href}?year={year}{anchor}"


def link_rows(svg: str, hrefs: list[str]) -> SafeString:
    """Each row of a stacked bar chart (its `<g class="row">`, in the order of the rows given) made a link, as
    bar_chart does for its bars: the drill-down to the child unit."""
    links = iter(hrefs)

    def wrap(match: re.Match) -> str:
        href = next(links, "")
        return f'<a href="{escape(href)}">{match.group(0)}</a>' if href else match.group(0)

    return mark_safe(_ROW.sub(wrap, str(svg)))  # noqa: S308 - svgcharts escaped its text; the href is escaped here


def completion_target(lines) -> float:
    """The threshold the completion chart draws: the highest completion target for all staff measured at the unit
    (the province's plan: 100%), or the plan's 100% when none applies."""
    thresholds = [
        float(line.target.threshold)
        for line in lines
        if line.target.metric == TargetMetric.COMPLETION and not line.target.group and not line.target.level
    ]
    return max(thresholds) if thresholds else float(TARGET_PERCENT)


class DashboardCharts:
    """The charts of one dashboard (figures.Dashboard), each drawn when first asked for."""

    def __init__(self, dashboard: figures.Dashboard, *, target: float = TARGET_PERCENT):
        self.d = dashboard
        self.year = dashboard.year
        self.year_label = school_year_label(dashboard.year)
        self.target = target

    @cached_property
    def completion(self) -> Chart | None:
        section = self.d.completion
        if section["units"]:
            lines, table_id = section["units"], "completion-units"
            title = _("BDTX completion by unit, school year %(year)s") % {"year": self.year_label}
        elif section["levels"]:
            lines, table_id = [*section["levels"], *section["groups"]], "completion-levels"
            title = _("BDTX completion by level and staff group, school year %(year)s") % {"year": self.year_label}
        else:
            return None
        bars = [svgcharts.Bar(line_label(line), line.percent, drill_href(line, self.year)) for line in lines]
        svg = svgcharts.bar_chart(bars, title=title, target=self.target, chart_id="chart-completion")
        return Chart(svg, table_id)

    @cached_property
    def ratings(self) -> Chart | None:
        section = self.d.ratings
        if not section["total"].rated and not section["units"]:
            return None
        if section["units"]:
            lines, table_id = section["units"], "ratings-units"
            title = _("Ratings on the professional standard by unit, school year %(year)s") % {"year": self.year_label}
        else:
            lines, table_id = [*section["levels"], *section["groups"]], "ratings-levels"
            title = _("Ratings on the professional standard by level and staff group, school year %(year)s") % {
                "year": self.year_label
            }
        categories = [figures.rating_label(code) for code in figures.RATINGS]
        rows = [(line_label(line), [line.n(code) for code in figures.RATINGS]) for line in lines]
        svg = svgcharts.stacked_bar_chart(rows, categories=categories, title=title, chart_id="chart-ratings")
        return Chart(link_rows(svg, [drill_href(line, self.year) for line in lines]), table_id)

    @cached_property
    def qualifications(self) -> Chart | None:
        section = self.d.qualifications
        if section["units"]:
            lines, table_id = section["units"], "qualifications-units"
            title = _("Share meeting the standard of Luật Giáo dục 2019 Điều 72 by unit")
        elif section["levels"]:
            lines, table_id = section["levels"], "qualifications-levels"
            title = _("Share meeting the standard of Luật Giáo dục 2019 Điều 72 by level")
        else:
            return None
        bars = [svgcharts.Bar(line_label(line), line.meets_share, drill_href(line, self.year)) for line in lines]
        return Chart(svgcharts.bar_chart(bars, title=title, chart_id="chart-qualifications"), table_id)

    @cached_property
    def retirement(self) -> Chart | None:
        section = self.d.retirement
        levels = section["levels"]
        if not levels:
            return None
        groups = [(school_year_label(year), [line.n(str(year)) for line in levels]) for year in section["years"]]
        title = _("Teachers and managers reaching their retirement date, by school year and level")
        svg = svgcharts.column_chart(
            groups, series=[line.label for line in levels], title=title, chart_id="chart-retirement"
        )
        return Chart(svg, "retirement-levels")

    @cached_property
    def heat(self) -> Chart | None:
        heat = self.d.heat
        if not heat.lines or not heat.criteria:
            return None
        names = {code: name for code, name, _n in heat.standards}
        columns = [_("C%(number)s") % {"number": criterion.number} for criterion in heat.criteria]
        values = [[cell.share for cell in line.cells] for line in heat.lines]
        title = _("Training needs by criterion (%(standard)s): share of the people evaluated at Đạt or below") % {
            "standard": names.get(heat.standard, heat.standard)
        }
        svg = svgcharts.heat_map(
            [line.label for line in heat.lines],
            columns,
            values,
            title=title,
            legend_title=_("Share at Đạt or below (%)"),
            chart_id="chart-needs",
        )
        return Chart(svg, "needs-heat")

    @cached_property
    def upgrade(self) -> Chart | None:
        section = self.d.upgrade
        if not section["total"].below or not section["units"]:
            return None
        bars = [svgcharts.Bar(line_label(line), line.must, drill_href(line, self.year)) for line in section["units"]]
        title = _("Teachers who must upgrade their qualification (Nghị định 71/2020), by unit")
        return Chart(svgcharts.bar_chart(bars, title=title, percent=False, chart_id="chart-upgrade"), "upgrade-units")

    @cached_property
    def budget(self) -> Chart | None:
        section = self.d.budget
        if not section["categories"] or not section["units"]:
            return None
        bars = [
            svgcharts.Bar(line_label(line), line.approved, drill_href(line, self.year)) for line in section["units"]
        ]
        title = _("Approved budgets of the unit plans (đồng), by unit")
        return Chart(svgcharts.bar_chart(bars, title=title, percent=False, chart_id="chart-budget"), "budget-units")

    @cached_property
    def core(self) -> Chart | None:
        section = self.d.core
        if not section["units"]:
            return None
        bars = [
            svgcharts.Bar(line_label(line), line.completed_share, drill_href(line, self.year))
            for line in section["units"]
        ]
        title = _("Core teachers who completed the year, by unit")
        # The plan's target: every core teacher completes the year.
        svg = svgcharts.bar_chart(bars, title=title, target=float(TARGET_PERCENT), chart_id="chart-core")
        return Chart(svg, "core-units")


def targets_chart(lines, *, table_id: str = "targets-here") -> Chart | None:
    """One progress bar per target measured at the unit (its share against its threshold), each under the target's
    title (a line of the page: a title inside the picture would not fit its width), in one figure."""
    parts = []
    for line in lines:
        if line.measured.value is None:
            continue
        bar = svgcharts.progress_bar(
            line.measured.value,
            float(line.target.threshold),
            title=line.target.title,
            chart_id=f"chart-target-{line.target.pk}",
        )
        parts.append(f'<p class="chart-title">{escape(line.target.title)}</p>{bar}')
    if not parts:
        return None
    return Chart(mark_safe("".join(parts)), table_id)  # noqa: S308 - svgcharts' markup, the titles escaped


def target_units_chart(target, lines, year: int) -> Chart | None:
    """A target at each child unit against its threshold (the target's detail page), bars linking down."""
    if not lines:
        return None
    detail = reverse("dashboards:target", args=[target.pk])
    bars = []
    for line in lines:
        if line.leaf:
            href = reverse("dashboards:unit", args=[line.unit.pk]) + f"?year={year}"
        else:
            href = f"{detail}?unit={line.unit.pk}&year={year}"
        bars.append(svgcharts.Bar(line.unit.name, line.measured.value, href))
    svg = svgcharts.bar_chart(
        bars, title=target.title, target=float(target.threshold), chart_id=f"chart-target-units-{target.pk}"
    )
    return Chart(svg, "target-units")
