"""The results reports of a unit for a school year: completion by child unit (drilling down province → commune →
school), by level and by content, and the at-risk list; each also as an Excel file. For those who manage the unit;
404 for anyone else."""

import logging
import time

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from bdtx.accounts import permissions
from bdtx.appraisals.progress import Subtree
from bdtx.lib.excel import XLSX_CONTENT_TYPE
from bdtx.lib.schoolyear import school_year_label
from bdtx.ops.routers import reporting

from .. import exports, reports
from ..forms import YearForm
from .results import PAGE_SIZE, managed_unit, result_years

log = logging.getLogger("bdtx.exports")
VIEWS = ("unit", "level", "content")
# An at-risk list that took longer than this to work out is kept this long (the pages of a province's list).
RISK_CACHE_AFTER_SECONDS = 1.0
RISK_CACHE_SECONDS = 300


def _year(request, unit) -> tuple[YearForm, int]:
    form = YearForm(request.GET, years=result_years(unit))
    return form, form.chosen_year


def crumbs(user, unit) -> list:
    """The units above this one that the user manages too (to climb back up the drill-down)."""
    return [above for above in unit.ancestors() if permissions.can_manage_unit(user, above)]


def _view(request) -> str:
    view = request.GET.get("by", "unit")
    return view if view in VIEWS else "unit"


def _completion(unit, year: int, view: str) -> dict:
    subtree = Subtree.of(unit)
    if view == "level":
        return {"rows": reports.completion_by_level(unit, year, subtree)}
    if view == "content":
        return {"content_rows": reports.completion_by_content(unit, year, subtree)}
    total, rows = reports.completion_by_unit(unit, year, subtree)
    return {"total": total, "rows": rows}


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def completion(request, pk: int):
    """Completed / not completed / no result, by child unit, by level or by content (?by=), beside the target."""
    unit = managed_unit(request, pk)
    form, year = _year(request, unit)
    view = _view(request)
    context = {
        "unit": unit,
        "form": form,
        "year": year,
        "year_label": school_year_label(year),
        "view": view,
        "ancestors": crumbs(request.user, unit),
        "target": reports.TARGET_PERCENT,
        **_completion(unit, year, view),
    }
    return render(request, "results/report_completion.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def completion_xlsx(request, pk: int):
    unit = managed_unit(request, pk)
    _form, year = _year(request, unit)
    view = _view(request)
    figures = _completion(unit, year, view)
    if view == "level":
        handle = exports.completion_by_level_workbook(figures["rows"])
    elif view == "content":
        handle = exports.completion_by_content_workbook(figures["content_rows"])
    else:
        handle = exports.completion_by_unit_workbook(figures["total"], figures["rows"])
    log.info("user=%s exported completion by %s unit=%s year=%s", request.user.username, view, unit.code, year)
    name = f"hoan-thanh-bdtx-{unit.code}-{school_year_label(year)}-{view}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def risks_of(unit, year: int, *, fresh: bool = False) -> tuple[list, object]:
    """The at-risk list and when it was worked out: kept a few minutes when it took long (a province's), so that
    paging through it and downloading it do not work it out again."""
    key = f"bdtx:results:at-risk:{unit.pk}:{year}"
    if not fresh and (kept := cache.get(key)) is not None:
        return kept
    started = time.perf_counter()
    risks = reports.at_risk(unit, year)
    found = (risks, timezone.now())
    if time.perf_counter() - started > RISK_CACHE_AFTER_SECONDS:
        cache.set(key, found, RISK_CACHE_SECONDS)
    return found


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def at_risk(request, pk: int):
    """Who will miss the year's plan given their enrolments and the time left, and why; 50 a page."""
    unit = managed_unit(request, pk)
    form, year = _year(request, unit)
    risks, worked_out = risks_of(unit, year, fresh=bool(request.GET.get("fresh")))
    page = Paginator(risks, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"risk": risk, "member": risk.staff, "reasons": reports.risks_text(risk)}
        for risk in reports.with_staff(list(page.object_list))
    ]
    context = {
        "unit": unit,
        "form": form,
        "year": year,
        "year_label": school_year_label(year),
        "page": page,
        "rows": rows,
        "worked_out": worked_out,
        "year_end": reports.school_year_end(year),
        "ancestors": crumbs(request.user, unit),
    }
    return render(request, "results/report_at_risk.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
@reporting()  # reads from the read replica when there is one
def at_risk_xlsx(request, pk: int):
    unit = managed_unit(request, pk)
    _form, year = _year(request, unit)
    risks, _worked_out = risks_of(unit, year)
    handle = exports.at_risk_workbook(risks)
    log.info("user=%s exported at-risk unit=%s year=%s rows=%d", request.user.username, unit.code, year, len(risks))
    name = f"nguy-co-khong-hoan-thanh-{unit.code}-{school_year_label(year)}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


urlpatterns = [
    path("units/<int:pk>/completion/", completion, name="completion"),
    path("units/<int:pk>/completion.xlsx", completion_xlsx, name="completion-xlsx"),
    path("units/<int:pk>/at-risk/", at_risk, name="at-risk"),
    path("units/<int:pk>/at-risk.xlsx", at_risk_xlsx, name="at-risk-xlsx"),
]
