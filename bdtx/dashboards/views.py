"""Dashboards: a unit's figures for a school year (drilling down province → commune/district → school → people),
the targets with their status, an officer's own target. For those who manage the unit; 404 for anyone else; a
teacher has no dashboard and is sent to their own result."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.lib.excel import xlsx_response
from bdtx.lib.pdf import pdf_response
from bdtx.lib.schoolyear import school_year_label
from bdtx.organisations.models import Unit
from bdtx.privacy.models import AccessLog
from bdtx.privacy.services import log_access

from . import charts, exports, figures, people, services, targets, tasks, yearreport
from .forms import TargetForm, data_years, year_form
from .freshness import COUNTING_VERSION
from .models import PeopleExport, Target, TargetMetric
from .permissions import can_remove_target, can_set_targets, can_view_unit, target_units, top_unit

PAGE_SIZE = 50


def viewable_unit(request, pk: int) -> Unit:
    """A unit whose dashboard the user may see; any other is 404."""
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    if not can_view_unit(request.user, unit):
        raise Http404
    return unit


def crumbs(user, unit: Unit) -> list[Unit]:
    """The units above this one whose dashboards the user may see too (to climb back up)."""
    return [above for above in unit.ancestors() if can_view_unit(user, above)]


def _year(request, data=None):
    form = year_form(request.GET if data is None else data)
    return form, form.chosen_year


def _freshness(request, year: int) -> dict:
    state, job = services.ensure_fresh(year, by=request.user)
    return {"state": state, "job": job}


@login_required
@require_GET
def home(request):
    """The dashboard of the viewer's highest unit; a teacher goes to their own result."""
    unit = top_unit(request.user)
    if unit is None:
        if getattr(request.user, "staff_member", None) is not None:
            return redirect("results:mine")
        raise Http404
    return _dashboard(request, unit)


@login_required
@require_GET
def unit_dashboard(request, pk: int):
    return _dashboard(request, viewable_unit(request, pk))


def _dashboard(request, unit: Unit):
    form, year = _year(request)
    fresh = _freshness(request, year)
    standard = request.GET.get("standard", "")[:40]
    # Built only when the page's sections are not already rendered for this state of the figures (see the template).
    dashboard = SimpleLazyObject(lambda: figures.build(unit, year, standard=standard))
    found = list(targets.applying_at(unit, year, request.user))
    measured = figures.measure_targets(unit, year, found)
    shown = [line for line in measured if line.measured.status != targets.NO_DATA]
    target = charts.completion_target(shown)
    context = {
        "unit": unit,
        "year": year,
        "year_text": str(year),  # in every row's link: a string is not run through number formatting
        "year_label": school_year_label(year),
        "form": form,
        "ancestors": crumbs(request.user, unit),
        "d": dashboard,
        "charts": SimpleLazyObject(lambda: charts.DashboardCharts(dashboard, target=target)),
        "completion_target": f"{target:g}",  # in the sections' cache key: the chart draws it
        "standard": standard,
        "figures_key": figures_key(fresh["state"]),
        # Targets about people the unit does not have (a primary-school target at a preschool) are left out here.
        "targets": shown,
        "targets_chart": charts.targets_chart(shown),
        "targets_without_data": sum(1 for line in measured if line.measured.status == targets.NO_DATA),
        "roadmap": [line for line in _roadmap(measured) if line.measured.status != targets.NO_DATA],
        "can_set_targets": can_set_targets(request.user),
        **fresh,
    }
    return render(request, "dashboards/unit.html", context, status=400 if form.errors else 200)


def figures_key(state) -> str:
    """Names the state of a year's kept figures: when each metric was counted (and how figures are counted)."""
    counted = sorted((metric, f"{kept.counted_at.timestamp():.6f}") for metric, kept in state.states.items())
    return f"{COUNTING_VERSION}:" + ",".join(f"{metric}={at}" for metric, at in counted)


def _roadmap(measured) -> list:
    """The built-in targets of the upgrade roadmap (Nghị định 71/2020), by level and deadline."""
    return sorted(
        (line for line in measured if line.target.builtin and line.target.metric == TargetMetric.UPGRADE_CLEARED),
        key=lambda line: (figures.level_order(line.target.level), line.target.deadline or dt.date.max),
    )


@login_required
@require_GET
def status(request, pk: int):
    """The freshness banner alone (htmx polls it while a count runs; when it is over the page reloads)."""
    _form, year = _year(request)
    context = {"year": year, "year_text": str(year), "unit": viewable_unit(request, pk), **_freshness(request, year)}
    response = render(request, "dashboards/unit.html#freshness", context)
    if request.htmx and context["job"] is None and context["state"].fresh:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def people_list(request, pk: int):
    """The people behind a figure of the unit (?list=not_completed / must_upgrade / retiring&in=2027|past / core)."""
    unit = viewable_unit(request, pk)
    form, year = _year(request)
    which, retiring_in, found, error = _people(request.GET, unit, year)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "year": year,
        "year_label": school_year_label(year),
        "form": form,
        "which": which,
        "retiring_in": retiring_in,
        "title": people.title(which, retiring_in, year),
        "page": page,
        "error": error,
        "ancestors": crumbs(request.user, unit),
        "lists": people.LISTS,
    }
    return render(request, "dashboards/people.html", context, status=400 if error or form.errors else 200)


def _people(params, unit: Unit, year: int) -> tuple[str, str, object, str]:
    """The list asked for (`list`, and `in` for the retiring), the people on it, and what is wrong with `in`."""
    which, retiring_in = _list_params(params, year)
    found, error = people.listed(unit, which, year, retiring_in)
    return which, retiring_in, found, error


def _list_params(params, year: int) -> tuple[str, str]:
    """The list asked for (`list`; the first one by default) and, for the retiring, the school year (`in`)."""
    which = params.get("list", people.NOT_COMPLETED)
    which = which if which in people.LISTS else people.NOT_COMPLETED
    return which, params.get("in", str(year))[:10] if which == people.RETIRING else ""


# Exports --------------------------------------------------------------------------------------------------


def _bad_request(message: str) -> HttpResponse:
    """A download asked for wrongly: the reason, in the user's language, as plain text."""
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _file_name(kind: str, unit: Unit, year: int, extension: str, part: str = "") -> str:
    """An ASCII name: bang-tong-hop-so-2026-2027-hoan-thanh.xlsx."""
    parts = [kind, slugify(unit.code) or str(unit.pk), school_year_label(year), slugify(part)]
    return "-".join(piece for piece in parts if piece) + f".{extension}"


def _state_notes(fresh: dict) -> list[str]:
    """What a file must say about figures that do not hold (the page's banner, on paper)."""
    state = fresh["state"]
    if state.as_of is None:
        return [_("The figures of this school year have not been counted yet: download again in a minute.")]
    if not state.fresh:
        return [_("The data changed after this moment; the figures are being counted again.")]
    return []


class _Figures:
    """What an export of a unit's dashboard reads: the figures, the targets shown, the state of the figures."""

    def __init__(self, request, unit: Unit, year: int):
        fresh = _freshness(request, year)
        self.standard = request.GET.get("standard", "")[:40]
        self.dashboard = figures.build(unit, year, standard=self.standard)
        found = list(targets.applying_at(unit, year, request.user))
        measured = figures.measure_targets(unit, year, found)
        self.targets = [line for line in measured if line.measured.status != targets.NO_DATA]
        self.as_of = fresh["state"].as_of
        self.notes = _state_notes(fresh)

    def charts(self) -> charts.DashboardCharts:
        return charts.DashboardCharts(self.dashboard, target=charts.completion_target(self.targets))


@login_required
@require_GET
def unit_xlsx(request, pk: int):
    """A section of the unit's dashboard (?section=completion…), or all of them, as .xlsx: a sheet per table."""
    unit = viewable_unit(request, pk)
    form, year = _year(request)
    if form.errors:
        return _bad_request(" ".join(str(error) for error in form.errors.get("year", [])))
    section = request.GET.get("section", "")
    if section and section not in exports.SECTIONS:
        return _bad_request(
            _("“%(value)s” is not a section of the dashboard: use one of %(sections)s, or none for all of them.")
            % {"value": section[:40], "sections": ", ".join(exports.SECTIONS)}
        )
    data = _Figures(request, unit, year)
    sections = [section] if section else list(exports.SECTIONS)
    handle, _rows = exports.dashboard_workbook(
        data.dashboard, sections, targets=data.targets, as_of=data.as_of, notes=data.notes
    )
    return xlsx_response(handle, _file_name("bang-tong-hop", unit, year, "xlsx", section))


@login_required
@require_GET
def unit_pdf(request, pk: int):
    """The unit's dashboard printed: every section with its charts and tables."""
    unit = viewable_unit(request, pk)
    form, year = _year(request)
    if form.errors:
        return _bad_request(" ".join(str(error) for error in form.errors.get("year", [])))
    data = _Figures(request, unit, year)
    document = exports.dashboard_document(
        data.dashboard, charts=data.charts(), targets=data.targets, as_of=data.as_of, notes=data.notes
    )
    return pdf_response(document, _file_name("bang-tong-hop", unit, year, "pdf"))


@login_required
@require_GET
def report_pdf(request, pk: int):
    """The unit's year-end BDTX report, printed as the reports sent up are (yearreport.py)."""
    return _year_report(request, pk, "pdf")


@login_required
@require_GET
def report_xlsx(request, pk: int):
    """The same report's tables as .xlsx, a sheet each."""
    return _year_report(request, pk, "xlsx")


def _year_report(request, pk: int, kind: str):
    unit = viewable_unit(request, pk)
    form, year = _year(request)
    if form.errors:
        return _bad_request(" ".join(str(error) for error in form.errors.get("year", [])))
    fresh = _freshness(request, year)
    report = yearreport.build(unit, year, as_of=fresh["state"].as_of, notes=_state_notes(fresh))
    name = _file_name("bao-cao-bdtx", unit, year, kind)
    if kind == "pdf":
        return pdf_response(yearreport.document(report), name)
    handle, _rows = yearreport.workbook(report)
    return xlsx_response(handle, name)


@login_required
@require_POST
def people_xlsx(request, pk: int):
    """The people behind a figure (the list's page, every page of it) as .xlsx: written at once when the unit has
    few people (EXPORT_INLINE_ROWS, as the staff list's export), else in the background with a progress page. Logged
    as an export of personal data (names, codes, results or retirement dates; no citizen ID, birth date or phone)
    when the file is handed out."""
    unit = viewable_unit(request, pk)
    form, year = _year(request, request.POST)
    if form.errors:
        return _bad_request(" ".join(str(error) for error in form.errors.get("year", [])))
    which, retiring_in = _list_params(request.POST, year)
    if error := people.wrong_year(which, retiring_in):
        return _bad_request(error)
    job = PeopleExport(requested_by=request.user, unit=unit, which=which, year=year, retiring_in=retiring_in)
    if people.at_most(unit) > settings.EXPORT_INLINE_ROWS:  # decided before the list is built
        job.save()
        tasks.people_export.enqueue(job.pk)
        return redirect("dashboards:people-export", pk=job.pk)
    handle, job.total = tasks.write_people(job)
    return _people_file(request, job, handle, "dashboards:people-xlsx")


def _people_file(request, job: PeopleExport, handle, what: str):
    """Hand a list of people out: an access-log row (what, the list's filters, how many people), then the file."""
    log_access(
        user=request.user,
        kind=AccessLog.Kind.EXPORT,
        what=what,
        request=request,
        filters=job.filters,
        rows=job.total,
        full_data=False,
    )
    part = job.which.replace("_", "-") + (f"-{job.retiring_in}" if job.retiring_in else "")
    return xlsx_response(handle, _file_name("danh-sach", job.unit, job.year, "xlsx", part))


@login_required
@require_GET
def people_export(request, pk: int):
    """A list of people written in the background: its progress (polled by htmx while it runs), then the download."""
    job = get_object_or_404(PeopleExport.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if request.htmx and not job.busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {"job": job, "title": people.title(job.which, job.retiring_in, job.year), "unit": job.unit}
    template = "dashboards/people_export.html#status" if request.htmx else "dashboards/people_export.html"
    return render(request, template, context)


@login_required
@require_GET
def people_export_download(request, pk: int):
    """The file of a finished list, to the person who asked for it while its unit is in their scope; each download
    is logged (it hands the data out again)."""
    jobs = PeopleExport.objects.visible_to(request.user).select_related("unit")
    job = get_object_or_404(jobs, pk=pk, status=PeopleExport.Status.DONE)
    if not job.file or not job.file.storage.exists(job.file.name):
        raise Http404  # the file was cleaned away: export the list again
    return _people_file(request, job, job.file.open("rb"), "dashboards:people-export-download")


# Targets --------------------------------------------------------------------------------------------------


def _unit_param(request, default: Unit | None) -> Unit | None:
    value = request.GET.get("unit", "")
    if not value:
        return default
    if not value.isdigit():
        raise Http404
    return viewable_unit(request, int(value))


@login_required
@require_GET
def target_list(request):
    """The targets measured at the viewer's unit (?unit=), with their status, and those set below it."""
    unit = _unit_param(request, top_unit(request.user))
    if unit is None:
        raise Http404
    form, year = _year(request)
    fresh = _freshness(request, year)
    found = list(targets.applying_at(unit, year, request.user))
    below = list(
        Target.objects.visible_to(request.user)
        .for_year(year)
        .filter(unit__path__startswith=unit.path)
        .exclude(unit=unit)
        .select_related("unit")
    )
    rows = figures.own_rows({unit.pk, *(target.unit_id for target in below)}, year)
    context = {
        "unit": unit,
        "year": year,
        "year_label": school_year_label(year),
        "form": form,
        "ancestors": crumbs(request.user, unit),
        "targets": figures.measure_targets(unit, year, found, rows=rows.get(unit.pk, [])),
        "below": [
            figures.TargetLine(
                target=target, measured=targets.measure(target, rows.get(target.unit_id, []), year), unit=target.unit
            )
            for target in below
        ],
        "can_set_targets": can_set_targets(request.user),
        **fresh,
    }
    return render(request, "dashboards/targets.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def target_detail(request, pk: int):
    """A target at a unit (its scope unit, or ?unit= within it) and at each of that unit's children."""
    target = get_object_or_404(Target.objects.visible_to(request.user).select_related("unit", "created_by"), pk=pk)
    default = target.unit if target.unit and can_view_unit(request.user, target.unit) else top_unit(request.user)
    unit = _unit_param(request, default)
    if unit is None:
        raise Http404
    if target.unit is not None and not unit.is_within(target.unit) and not target.unit.is_within(unit):
        raise Http404
    if target.unit is not None and target.unit.is_within(unit) and unit != target.unit:
        unit = target.unit if can_view_unit(request.user, target.unit) else unit
    form, year = _year(request)
    fresh = _freshness(request, year)
    total, lines = figures.target_by_child(target, unit, year)
    context = {
        "target": target,
        "unit": unit,
        "year": year,
        "year_label": school_year_label(year),
        "form": form,
        "ancestors": [above for above in crumbs(request.user, unit) if not target.unit or above.is_within(target.unit)],
        "total": total,
        "lines": lines,
        "chart": charts.target_units_chart(target, lines, year),
        "due": targets.due_date(target, year),
        "can_remove": can_remove_target(request.user, target),
        **fresh,
    }
    return render(request, "dashboards/target_detail.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def target_new(request):
    """An officer sets a target for a unit of their subtree."""
    if not can_set_targets(request.user):
        raise Http404
    units = target_units(request.user)
    initial = {}
    if (value := request.GET.get("unit", "")).isdigit():
        initial["unit"] = units.filter(pk=int(value)).first()
    form = TargetForm(request.POST or None, units=units, years=data_years(), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = services.create_target(by=request.user, **data)
        except services.TargetError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The target “%(title)s” is set.") % {"title": target.title})
            return redirect(reverse("dashboards:target", args=[target.pk]))
    return render(request, "dashboards/target_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def target_remove(request, pk: int):
    target = get_object_or_404(Target.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if not can_remove_target(request.user, target):
        raise PermissionDenied(_("Only an officer of the target's unit may remove it; built-in targets stay."))
    unit_id = target.unit_id
    services.remove_target(target, by=request.user)
    messages.success(request, _("The target “%(title)s” is removed.") % {"title": target.title})
    return redirect(f"{reverse('dashboards:targets')}?unit={unit_id}")
