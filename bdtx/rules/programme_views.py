"""Pages of the BDTX programmes: everyone signed in reads them (contents, periods, sources, what is not
confirmed) and the split that applies this school year; the Sở's officers set a year's programme and split
(programmes of the year); a system administrator uploads the rule file of a new programme."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bdtx.accounts.permissions import is_system_admin
from bdtx.lib.schoolyear import current_school_year
from bdtx.organisations.models import Unit

from . import programmes as services
from .models import Programme, ProgrammeYear
from .permissions import province_units, reach_ids
from .programme_forms import ProgrammeFileForm, ProgrammeYearForm
from .rulefiles import RuleFileError
from .views import applies_to_text, source_rows

PROGRAMME_SOURCE_LABELS = {
    "regulation": gettext_lazy("Regulation"),
    "adjustment": gettext_lazy("Adjustment"),
}


def year_label(year: int) -> str:
    return f"{year}-{year + 1}"


def choices_reaching(user, **filters):
    chosen = ProgrammeYear.objects.filter(**filters).select_related("unit", "programme", "set_by")
    ids = reach_ids(user)
    return chosen if ids is None else chosen.filter(unit_id__in=ids)


def split_text(programme: Programme, periods: dict) -> str:
    """ "01: 30 · 02: 50 · 03: 40" for the programme's contents with the year's periods applied."""
    return " · ".join(
        f"{content.code}: {periods.get(content.code, content.periods)}" for content in programme.contents.all()
    )


@login_required
@require_GET
def programme_list(request):
    programmes = Programme.objects.prefetch_related("contents").annotate(
        module_count=Count("modules", filter=Q(modules__owner__isnull=True))
    )
    year = current_school_year()
    chosen = {}
    for choice in choices_reaching(request.user, year=year).order_by("unit__depth"):
        chosen[choice.programme_id] = choice  # the nearest unit's choice wins
    rows = [
        {
            "programme": programme,
            "applies_to": applies_to_text(programme.applies_to),
            "split": split_text(programme, {}),
            "this_year": split_text(programme, chosen[programme.pk].periods) if programme.pk in chosen else "",
            "chosen": chosen.get(programme.pk),
        }
        for programme in programmes
    ]
    context = {
        "rows": rows,
        "year": year_label(year),
        "can_set": bool(province_units(request.user)),
        "is_admin": is_system_admin(request.user),
    }
    return render(request, "rules/programme_list.html", context)


@login_required
@require_GET
def programme_detail(request, code: str):
    programme = get_object_or_404(Programme.objects.prefetch_related("contents"), code=code)
    year = current_school_year()
    choices = [
        {"choice": choice, "split": split_text(programme, choice.periods), "year": year_label(choice.year)}
        for choice in choices_reaching(request.user, programme=programme, year__gte=year - 3).order_by(
            "-year", "unit__depth"
        )
    ]
    sources = [
        (str(PROGRAMME_SOURCE_LABELS.get(key, label)), values)
        for (label, values), key in zip(source_rows(programme.source), programme.source, strict=True)
    ]
    context = {
        "programme": programme,
        "applies_to": applies_to_text(programme.applies_to),
        "choices": choices,
        "sources": sources,
        "module_count": programme.modules.filter(owner__isnull=True).count(),
        "can_set": bool(province_units(request.user)),
        "is_admin": is_system_admin(request.user),
    }
    return render(request, "rules/programme_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_year(request):
    """The Sở's programmes of a school year: for each programme, the split of its adjustable contents."""
    units = province_units(request.user)
    if not units:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    unit = _chosen_unit(units, data.get("unit"))
    this_year = current_school_year()
    try:
        year = int(data.get("year", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year + 5:
        year = this_year
    day = dt.date(year, 9, 5)
    programmes = list(Programme.objects.valid_on(day).prefetch_related("contents").order_by("code"))
    chosen = {
        choice.programme_id: choice
        for choice in ProgrammeYear.objects.filter(unit=unit, year=year).select_related("set_by")
    }
    posted = data.get("programme") if request.method == "POST" else None
    cards = []
    for programme in programmes:
        choice = chosen.get(programme.pk)
        periods = choice.periods if choice else {}
        bound = posted == programme.code
        form = ProgrammeYearForm(
            request.POST if bound else None,
            programme=programme,
            periods=periods,
            prefix=programme.code,
            initial={"note": choice.note if choice else "", "version": choice.version if choice else 0},
        )
        if bound:
            response = _save(request, form, choice, unit=unit, year=year)
            if response is not None:
                return response
        contents = [
            (content, form[f"content_{content.code}"] if content.adjustable else None)
            for content in programme.contents.all()
        ]
        cards.append(
            {
                "programme": programme,
                "form": form,
                "contents": contents,
                "choice": choice,
                "split": split_text(programme, periods),
            }
        )
    if posted and posted not in {programme.code for programme in programmes}:
        messages.error(request, _("That programme does not apply in this school year."))
    context = {
        "cards": cards,
        "unit": unit,
        "units": units,
        "year": year,
        "year_label": year_label(year),
        "years": [(value, year_label(value)) for value in range(this_year - 1, this_year + 3)],
    }
    stale = any(getattr(card["form"], "stale", False) for card in cards)
    return render(request, "rules/programme_year.html", context, status=409 if stale else 200)


def _chosen_unit(units: list[Unit], wanted: str | None) -> Unit:
    for unit in units:
        if str(unit.pk) == wanted:
            return unit
    return units[0]


def _save(request, form: ProgrammeYearForm, choice: ProgrammeYear | None, *, unit: Unit, year: int):
    back = f"{reverse('programmes:year')}?year={year}&unit={unit.pk}#{form.programme.code}"
    values = {"programme": form.programme.code, "year": year_label(year)}
    if request.POST.get("action") == "remove":
        if choice is not None:
            services.remove_programme_year(choice)
            messages.success(request, _("%(programme)s, %(year)s: the programme's own periods apply again.") % values)
        return redirect(back)
    if not form.is_valid():
        return None
    try:
        services.set_programme_year(
            unit=unit,
            year=year,
            programme=form.programme,
            periods=form.periods(),
            note=form.cleaned_data["note"],
            by=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except services.ProgrammeError as error:
        form.add_error(None, str(error))
        form.stale = isinstance(error, services.Stale)
        return None
    messages.success(request, _("%(programme)s, %(year)s: the periods are saved.") % values)
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def programme_upload(request):
    if not is_system_admin(request.user):
        raise Http404
    form = ProgrammeFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.load_programme_file(form.programme_file)
        except RuleFileError as error:
            for problem in error.problems:
                form.add_error("file", problem)
        else:
            if outcome.action == outcome.KEPT_NEWER:
                form.add_error("file", outcome.message)
            else:
                messages.success(request, outcome.message)
                return redirect("programmes:detail", code=outcome.code)
    return render(request, "rules/programme_upload.html", {"form": form})
