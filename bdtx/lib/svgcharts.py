"""Charts drawn on the server as SVG, for the dashboards and the printed reports.

Each function returns the markup of one <svg> (a SafeString, ready for a template or for
bdtx.lib.reportpdf.chart_image), built to these rules:

- Accessible: role="img" and aria-labelledby pointing at its <title> (the chart's name) and <desc> (its figures in
  words: every label with its value, so a screen reader, or someone who cannot tell the colours apart, loses
  nothing). Values are printed on the chart too, and meaning never rests on colour alone (a target is a dashed
  line with its own label; a status is written).
- Safe: every piece of text is escaped; no script, no style="" attribute and no <style> element (the Content
  Security Policy allows neither): colours are presentation attributes (fill=, stroke=), sizes come from the
  viewBox, and bdtx.css scales the picture (svg.chart) and sets its font for the page.
- Printable, on paper and in the PDF (fpdf2 draws the same SVG: font-family "DejaVu" names the PDF's embedded font,
  which a browser does not have, so the page's CSS sets its own).
- Never broken: no data draws a small picture saying so ("No data yet", in the user's language).

Numbers are written the Vietnamese way through Django's localisation (formats/vi: decimal comma, thousands dot):
format_number(1234) is "1.234", format_percent(93.5) is "93,5%". Percentages are passed in percent (93.5), as
everywhere in bdtx. Put the table with the same figures on the page (templates/partials/chart.html links to it)."""

import hashlib
import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640  # the viewBox width; the picture is scaled to its container by CSS
FONT = 14
SMALL = 12
INK = "#1b1f24"
MUTED = "#555d66"
GRID = "#d0d7de"
TRACK = "#e8eaed"
WHITE = "#ffffff"
BAR = "#0b5394"  # a value at or above its target (or with no target)
BELOW = "#b42318"  # a value under its target
TARGET = "#1b1f24"
# Ratings from best to worst (tot, kha, dat, chua_dat): dark enough for white figures on them (contrast ≥ 4.5:1).
RATING_COLOURS = ("#116329", "#2f6fb0", "#9a6700", "#b42318")
# Series told apart by hue and lightness, each at least 4.5:1 against white.
SERIES_COLOURS = ("#0b5394", "#b35900", "#6f42c1", "#0e7490", "#555d66", "#8a4b00", "#116329")
# Heat map bands (as the training-needs table's td.heat-1…5), with the figure colour that reads on each.
HEAT_BANDS = (
    (20, "#fdecea", INK),
    (40, "#f9c9c3", INK),
    (60, "#f2a195", INK),
    (80, "#e5735f", INK),
    (100, "#c8402b", WHITE),
)


class Bar(NamedTuple):
    """One bar of `bar_chart`: a label (a unit's name), its value (None: no figure yet) and an optional link (the
    unit's own dashboard, for the drill-down)."""

    label: str
    value: float | None
    href: str = ""


# Numbers ---------------------------------------------------------------------------------------------------------


def format_number(value: float | int | Decimal, decimals: int = 0) -> str:
    """A number as the user reads it: 1.234 and 12,5 in Vietnamese (the active language's separators), rounded
    half up as people round (12,5 → 13, where Python's round() gives 12)."""
    return number_format(_half_up(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_percent(value: float | int | Decimal, decimals: int = 1) -> str:
    """A percentage given in percent: 93,5% (and 100%, not 100,0%)."""
    rounded = _half_up(value, decimals)
    return f"{format_number(rounded, 0 if rounded == rounded.to_integral_value() else decimals)}%"


def _half_up(value: float | int | Decimal, decimals: int) -> Decimal:
    # Through str(): 93.45 is stored as 93.4499…, but people wrote 93.45.
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# Charts ----------------------------------------------------------------------------------------------------------


def bar_chart(
    bars: Sequence[Bar | tuple],
    *,
    title: str,
    target: float | None = None,
    target_label: str = "",
    percent: bool = True,
    maximum: float | None = None,
    decimals: int = 1,
    description: str = "",
    chart_id: str = "",
) -> SafeString:
    """Horizontal bars, one per unit (label, value[, href]), with an optional target drawn as a dashed line across
    them. Bars under the target are red, the others blue; every value is printed after its bar. `percent`: values
    are percentages on a 0–100 scale (else the scale runs to `maximum` or the largest value)."""
    items = [Bar(*bar) for bar in bars]
    values = [bar.value for bar in items if bar.value is not None]
    chart_id = chart_id or _chart_id("bar", title, items, target)
    if not values:
        return _empty(chart_id, title)
    whole = not percent and all(v == int(v) for v in values)

    def show(value: float) -> str:
        if percent:
            return format_percent(value, decimals)
        return format_number(value, 0 if whole and value == int(value) else decimals)

    top = 100.0 if percent else (maximum or _nice_ceiling(max(values + ([target] if target is not None else []))))
    label_w, value_w, row_h, bar_h = 240, 70, 28, 18
    plot_x, plot_w = label_w, WIDTH - label_w - value_w
    first_y = 34 if target is not None else 12
    height = first_y + row_h * len(items) + 28

    def x_of(value: float) -> float:
        return plot_x + plot_w * max(0.0, min(value, top)) / top

    parts = []
    for tick in _ticks(top):  # vertical grid lines with their figures under the bars
        x = x_of(tick)
        parts.append(_line(x, first_y - 4, x, first_y + row_h * len(items), GRID))
        parts.append(_text(x, height - 10, show(tick), size=SMALL, anchor="middle", fill=MUTED))
    if target is not None:  # drawn before the bars: their figures sit over it
        x = x_of(target)
        bottom = first_y + row_h * len(items)
        parts.append(_line(x, first_y - 10, x, bottom, TARGET, dashed=True, width=2, css="target"))
        words = target_label or _("Target: %(value)s") % {"value": show(target)}
        parts.append(_text(x, first_y - 14, words, size=SMALL, anchor="middle", weight="bold"))
    for index, bar in enumerate(items):
        y = first_y + index * row_h
        label = _fit(bar.label, label_w - 12, FONT)
        row = [f"<title>{escape(_bar_words(bar, show))}</title>"]
        row.append(_text(label_w - 8, y + bar_h / 2 + 4.5, label, anchor="end"))
        if bar.value is None:
            row.append(_text(plot_x + 4, y + bar_h / 2 + 4, _("No data yet"), size=SMALL, fill=MUTED))
        else:
            below = target is not None and bar.value < target
            width = x_of(bar.value) - plot_x
            row.append(_rect(plot_x, y, width, bar_h, BELOW if below else BAR, css="bar"))
            figure = show(bar.value)
            # A white backing keeps the figure readable where the target line crosses it.
            row.append(_rect(plot_x + width + 3, y, _width(figure, FONT) * 1.1 + 4, bar_h, WHITE, css="backing"))
            row.append(_text(plot_x + width + 5, y + bar_h / 2 + 4.5, figure, weight="bold"))
        group = f'<g class="row">{"".join(row)}</g>'
        if bar.href:
            group = f'<a href="{escape(bar.href)}">{group}</a>'
        parts.append(group)

    summary = "; ".join(_bar_words(bar, show) for bar in items)
    if target is not None:
        under = sum(1 for bar in items if bar.value is not None and bar.value < target)
        summary += ". " + _("Target: %(value)s") % {"value": show(target)} + ". "
        summary += _("%(under)s of %(count)s below the target.") % {"under": under, "count": len(items)}
    return _svg(chart_id, title, description or summary, height, parts)


def stacked_bar_chart(
    rows: Sequence[tuple[str, Sequence[float]]],
    *,
    categories: Sequence[str],
    title: str,
    colours: Sequence[str] = RATING_COLOURS,
    description: str = "",
    chart_id: str = "",
) -> SafeString:
    """Bars of 100 %, one per unit (label, counts in the order of `categories`), split into the categories' shares:
    the rating distribution (Tốt, Khá, Đạt, Chưa đạt) by unit. Each part wide enough shows its share; the legend
    names the colours; the description gives every share and count."""
    chart_id = chart_id or _chart_id("stack", title, rows, categories)
    rows = [(label, [count or 0 for count in counts]) for label, counts in rows]
    if not rows or not any(sum(counts) for _label, counts in rows):
        return _empty(chart_id, title)
    palette = list(colours) + [c for c in SERIES_COLOURS if c not in colours]
    label_w, row_h, bar_h, legend_h = 240, 30, 20, 30
    plot_x, plot_w = label_w, WIDTH - label_w - 16
    height = legend_h + row_h * len(rows) + 8
    parts = [_legend(categories, palette, 8)]
    described = []
    for index, (label, counts) in enumerate(rows):
        y = legend_h + index * row_h
        total = sum(counts)
        words = _shares_words(label, counts, categories, total)
        described.append(words)
        name = _text(label_w - 8, y + bar_h / 2 + 4.5, _fit(label, label_w - 12, FONT), anchor="end")
        row = [f"<title>{escape(words)}</title>", name]
        if not total:
            row.append(_text(plot_x + 4, y + bar_h / 2 + 4, _("No data yet"), size=SMALL, fill=MUTED))
        x = plot_x
        for position, count in enumerate(counts):
            if not count:
                continue
            width = plot_w * count / total
            row.append(_rect(x, y, width, bar_h, palette[position], css="segment", stroke=WHITE))
            share = format_percent(100 * count / total, 0)
            if width >= 8 + 7 * len(share):
                row.append(_text(x + width / 2, y + bar_h / 2 + 4, share, size=SMALL, anchor="middle", fill=WHITE))
            x += width
        parts.append(f'<g class="row">{"".join(row)}</g>')
    return _svg(chart_id, title, description or "; ".join(described), height, parts)


def column_chart(
    groups: Sequence[tuple[str, Sequence[float]]],
    *,
    series: Sequence[str],
    title: str,
    colours: Sequence[str] = SERIES_COLOURS,
    description: str = "",
    chart_id: str = "",
) -> SafeString:
    """Columns grouped along the x axis (label, one value per series): the retirement forecast by school year,
    one column per level. Each column's figure is printed on top when there is room; the legend names the series."""
    chart_id = chart_id or _chart_id("columns", title, groups, series)
    values = [value for _label, row in groups for value in row if value is not None]
    if not groups or not values or not any(values):
        return _empty(chart_id, title)
    palette = list(colours)
    legend_h, axis_w, bottom_h, plot_h = 30, 48, 26, 210
    plot_x, plot_w, plot_y = axis_w, WIDTH - axis_w - 8, legend_h + 14
    height = plot_y + plot_h + bottom_h
    top, ticks = _count_scale(max(values))
    parts = [_legend(series, palette, 8)]
    for tick in ticks:
        y = plot_y + plot_h - plot_h * tick / top
        parts.append(_line(plot_x, y, plot_x + plot_w, y, GRID))
        parts.append(_text(plot_x - 6, y + 4, format_number(tick), size=SMALL, anchor="end", fill=MUTED))
    group_w = plot_w / len(groups)
    column_w = group_w * 0.8 / max(1, len(series))
    described = []
    for index, (label, row) in enumerate(groups):
        x0 = plot_x + index * group_w + group_w * 0.1
        cells = []
        for position, value in enumerate(row):
            if value is None:
                continue
            h = plot_h * value / top
            x = x0 + position * column_w
            cells.append(_rect(x, plot_y + plot_h - h, column_w - 1, h, palette[position % len(palette)], css="column"))
            figure = format_number(value)
            if column_w >= 6 * len(figure) + 2:
                cells.append(
                    _text(x + (column_w - 1) / 2, plot_y + plot_h - h - 3, figure, size=SMALL, anchor="middle")
                )
        words = f"{label}: " + ", ".join(
            f"{name} {format_number(value)}" for name, value in zip(series, row, strict=False) if value is not None
        )
        described.append(words)
        cells.append(_text(x0 + group_w * 0.4, plot_y + plot_h + 18, _fit(label, group_w - 4, FONT), anchor="middle"))
        parts.append(f'<g class="group"><title>{escape(words)}</title>{"".join(cells)}</g>')
    parts.append(_line(plot_x, plot_y + plot_h, plot_x + plot_w, plot_y + plot_h, MUTED))
    return _svg(chart_id, title, description or "; ".join(described), height, parts)


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str,
    legend_title: str = "",
    description: str = "",
    chart_id: str = "",
) -> SafeString:
    """A grid of shares in percent, `values[row][column]` (None: no figure), darker for larger shares, each cell
    showing its figure rounded to a whole percent: the training-needs map, units × criteria. Column labels should
    be short (codes: "TC1"); put their full names in the table beside."""
    chart_id = chart_id or _chart_id("heat", title, rows, columns, values)
    if not rows or not columns or all(v is None for row in values for v in row):
        return _empty(chart_id, title)
    label_w, head_h, legend_h, row_h = 210, 26, 34, 24
    cell_w = (WIDTH - label_w - 8) / len(columns)
    height = head_h + row_h * len(rows) + legend_h + 8
    parts = []
    longest = max(len(name) for name in columns)
    head_size = max(8, min(SMALL, int((cell_w - 4) / (0.62 * longest))))  # short codes fit; long names are cut
    for position, name in enumerate(columns):
        x = label_w + position * cell_w + cell_w / 2
        head = _text(x, head_h - 8, _fit(name, cell_w - 2, head_size), size=head_size, anchor="middle")
        parts.append(f"<g><title>{escape(name)}</title>{head}</g>")
    described = []
    for index, (label, row) in enumerate(zip(rows, values, strict=True)):
        y = head_h + index * row_h
        cells = [_text(label_w - 8, y + row_h / 2 + 4.5, _fit(label, label_w - 12, FONT), anchor="end")]
        words = []
        for position, value in enumerate(row):
            x = label_w + position * cell_w
            fill, ink = _heat(value)
            shown = "—" if value is None else format_number(value)
            cell = _rect(x, y, cell_w, row_h, fill, css="cell", stroke=WHITE)
            cell += _text(x + cell_w / 2, y + row_h / 2 + 4, shown, size=SMALL, anchor="middle", fill=ink)
            cell_words = f"{columns[position]}: " + ("—" if value is None else format_percent(value))
            cells.append(f"<g><title>{escape(label)}, {escape(cell_words)}</title>{cell}</g>")
            words.append(cell_words)
        described.append(f"{label}: " + ", ".join(words))
        parts.append(f'<g class="row">{"".join(cells)}</g>')
    parts.append(_heat_legend(legend_title or _("Share of people (%)"), head_h + row_h * len(rows) + 12))
    return _svg(chart_id, title, description or "; ".join(described), height, parts)


def progress_bar(
    value: float | None,
    threshold: float | None,
    *,
    title: str,
    label: str = "",
    decimals: int = 1,
    chart_id: str = "",
) -> SafeString:
    """One percentage (0–100) against its threshold: a bar on a grey track, the threshold as a dashed mark with its
    figure, and in words whether it is reached ("93,5%, target 90%: reached")."""
    chart_id = chart_id or _chart_id("progress", title, value, threshold)
    if value is None:
        return _empty(chart_id, title)
    track_x, track_w, y, bar_h = 8, WIDTH - 16, 28, 22
    height = 80

    def x_of(v: float) -> float:
        return track_x + track_w * max(0.0, min(v, 100.0)) / 100

    shown = format_percent(value, decimals)
    reached = threshold is None or value >= threshold
    if threshold is None:
        words = f"{label}: {shown}" if label else shown
    else:
        figures = {"value": shown, "target": format_percent(threshold, decimals)}
        if reached:
            words = _("%(value)s, target %(target)s: reached") % figures
        else:
            words = _("%(value)s, target %(target)s: not reached") % figures
        if label:
            words = f"{label}: {words}"
    parts = [
        _text(track_x, 18, words, weight="bold"),
        _rect(track_x, y, track_w, bar_h, TRACK, css="track"),
        _rect(track_x, y, x_of(value) - track_x, bar_h, BAR if reached else BELOW, css="bar"),
    ]
    if threshold is not None:
        x = x_of(threshold)
        parts.append(_line(x, y - 4, x, y + bar_h + 4, TARGET, dashed=True, width=2, css="target"))
        mark = _("Target: %(value)s") % {"value": format_percent(threshold, decimals)}
        anchor = "end" if x > WIDTH - 90 else ("start" if x < 90 else "middle")
        parts.append(_text(x, y + bar_h + 18, mark, size=SMALL, anchor=anchor))
    return _svg(chart_id, title, words, height, parts)


# Drawing ---------------------------------------------------------------------------------------------------------


def _svg(chart_id: str, title: str, description: str, height: float, parts: Sequence[str]) -> SafeString:
    height = math.ceil(height)
    return mark_safe(  # noqa: S308 - every text in `parts` went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" font-family="DejaVu, sans-serif" font-size="{FONT}" fill="{INK}">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        f"{''.join(parts)}</svg>"
    )


def _empty(chart_id: str, title: str) -> SafeString:
    message = _("No data yet")
    parts = [
        _rect(0.5, 0.5, WIDTH - 1, 47, WHITE, css="empty", stroke=GRID),
        _text(WIDTH / 2, 29, message, anchor="middle", fill=MUTED),
    ]
    return _svg(chart_id, title, message, 48, parts)


def _chart_id(kind: str, *data: object) -> str:
    """An id stable for the same chart (tests and caches see the same markup), distinct for different ones."""
    return f"chart-{kind}-{hashlib.sha1(repr(data).encode(), usedforsecurity=False).hexdigest()[:8]}"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = FONT,
    anchor: str = "start",
    fill: str = INK,
    weight: str = "",
) -> str:
    attributes = f' text-anchor="{anchor}"' if anchor != "start" else ""
    attributes += f' font-size="{size}"' if size != FONT else ""
    attributes += f' fill="{fill}"' if fill != INK else ""
    attributes += f' font-weight="{weight}"' if weight else ""
    return f'<text x="{_n(x)}" y="{_n(y)}"{attributes}>{escape(text)}</text>'


def _rect(x: float, y: float, width: float, height: float, fill: str, *, css: str = "", stroke: str = "") -> str:
    attributes = f' class="{css}"' if css else ""
    attributes += f' stroke="{stroke}"' if stroke else ""
    return (
        f'<rect{attributes} x="{_n(x)}" y="{_n(y)}" width="{_n(max(width, 0))}" height="{_n(height)}" fill="{fill}"/>'
    )


def _line(
    x1: float, y1: float, x2: float, y2: float, stroke: str, *, dashed: bool = False, width: float = 1, css: str = ""
) -> str:
    attributes = f' class="{css}"' if css else ""
    attributes += ' stroke-dasharray="5 3"' if dashed else ""
    attributes += f' stroke-width="{_n(width)}"' if width != 1 else ""
    return f'<line{attributes} x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}"/>'


def _legend(names: Sequence[str], palette: Sequence[str], y: float) -> str:
    """Swatches and names in a row across the top, as wide as the names need."""
    parts, x = [], 8.0
    for position, name in enumerate(names):
        parts.append(_rect(x, y, 14, 14, palette[position % len(palette)], css="swatch"))
        parts.append(_text(x + 19, y + 12, name, size=SMALL))
        x += 19 + _width(name, SMALL) + 16
    return f'<g class="legend">{"".join(parts)}</g>'


def _heat(value: float | None) -> tuple[str, str]:
    if value is None or value <= 0:
        return WHITE, MUTED
    for upper, fill, ink in HEAT_BANDS:
        if value <= upper:
            return fill, ink
    return HEAT_BANDS[-1][1], HEAT_BANDS[-1][2]


def _heat_legend(title: str, y: float) -> str:
    parts = [_text(8, y + 12, title, size=SMALL)]
    x = 8 + _width(title, SMALL) + 12
    lower = 0
    for upper, fill, _ink in HEAT_BANDS:
        parts.append(_rect(x, y, 18, 16, fill, css="swatch", stroke=GRID))
        words = f"{lower}–{upper}"
        parts.append(_text(x + 22, y + 12, words, size=SMALL))
        x += 22 + _width(words, SMALL) + 12
        lower = upper
    return f'<g class="legend">{"".join(parts)}</g>'


def _width(text: str, size: float) -> float:
    """About how wide a text is drawn (DejaVu Sans averages 0.58 em a character)."""
    return len(text) * size * 0.58


def _fit(text: str, width: float, size: float) -> str:
    """The text cut with "…" to fit the width (the full text is in the <title> and the description)."""
    limit = max(1, int(width / (size * 0.58)))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _nice_ceiling(value: float) -> float:
    """The scale's top: 1, 2, 2.5 or 5 times a power of ten, at or above the value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _ticks(top: float) -> list[float]:
    return [top * share / 4 for share in range(5)]


def _count_scale(maximum: float) -> tuple[float, list[float]]:
    """A scale for counts of people: whole-number ticks (1, 2, 2.5→3… steps never show "0 0 1 1 1"), at most five."""
    step = max(1, math.ceil(_nice_ceiling(maximum / 4)))
    top = step * max(1, math.ceil(maximum / step))
    return float(top), [float(tick) for tick in range(0, top + 1, step)]


def _bar_words(bar: Bar, show) -> str:
    return f"{bar.label}: " + (_("no data yet") if bar.value is None else show(bar.value))


def _shares_words(label: str, counts: Sequence[float], categories: Sequence[str], total: float) -> str:
    if not total:
        return f"{label}: " + _("no data yet")
    shares = ", ".join(
        f"{name} {format_percent(100 * count / total)} ({format_number(count)})"
        for name, count in zip(categories, counts, strict=False)
    )
    return _("%(label)s (%(total)s people): %(shares)s") % {
        "label": label,
        "total": format_number(total),
        "shares": shares,
    }
