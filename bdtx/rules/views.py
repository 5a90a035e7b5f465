"""Pages of the professional standards: any signed-in person reads them; a system administrator corrects
them (a criterion's wording, the validity dates) and uploads the rule file of a new circular."""

import math
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bdtx.accounts.permissions import is_system_admin
from bdtx.organisations.models import Level
from bdtx.staff.models import StaffGroup

from . import services
from .classification import LOWEST
from .forms import CriterionForm, RuleFileForm, ValidityForm
from .models import Criterion, Rating, Standard
from .rulefiles import RuleFileError

SOURCE_LABELS = {
    "document": gettext_lazy("Document"),
    "effective_date": gettext_lazy("Effective date"),
    "replaces": gettext_lazy("Replaces"),
    "guidance": gettext_lazy("Guidance"),
    "possibly_amended_by": gettext_lazy("Possibly amended by"),
    "applies_to": gettext_lazy("Applies to"),
    "read_via": gettext_lazy("Read via"),
    "descriptors_from": gettext_lazy("Descriptors from"),
}


def _admin_only(user) -> None:
    """Corrections are for system administrators; for everyone else the page does not exist."""
    if not is_system_admin(user):
        raise Http404


@login_required
@require_GET
def standard_list(request):
    standards = Standard.objects.annotate(
        unconfirmed_criteria=Count("criteria", filter=Q(criteria__confirmed=False))
    ).order_by("subject", "code")
    return render(request, "rules/list.html", {"standards": standards, "is_admin": is_system_admin(request.user)})


@login_required
@require_GET
def standard_detail(request, code: str):
    standard = get_object_or_404(
        Standard.objects.select_related("edited_by").prefetch_related(
            "areas", Prefetch("criteria", queryset=Criterion.objects.order_by("number"))
        ),
        code=code,
    )
    criteria = list(standard.criteria.all())
    groups = []
    for area in standard.areas.all():
        groups.append((area, [c for c in criteria if c.area_id == area.pk]))
    loose = [c for c in criteria if c.area_id is None]
    if loose:
        groups.append((None, loose))
    context = {
        "standard": standard,
        "groups": groups,
        "unconfirmed_criteria": number_ranges([c.number for c in criteria if not c.confirmed]),
        "rules": rule_rows(standard),
        "level_definitions": [
            (Rating(level).label, text) for level, text in standard.classification.get("level_definitions", {}).items()
        ],
        "applies_to": applies_to_text(standard.applies_to),
        "sources": source_rows(standard.source),
        "is_admin": is_system_admin(request.user),
    }
    return render(request, "rules/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request, code: str, number: int):
    _admin_only(request.user)
    criterion = get_object_or_404(
        Criterion.objects.select_related("standard", "area"), standard__code=code, number=number
    )
    form = CriterionForm(request.POST or None, initial=CriterionForm.initial_for(criterion))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_criterion(
                criterion,
                by=request.user,
                title=form.cleaned_data["title"],
                descriptors=form.descriptors,
                confirmed=form.cleaned_data["confirmed"],
                note=form.cleaned_data["note"].strip(),
                expected_version=form.cleaned_data["version"],
            )
        except services.Stale as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, _("Criterion %(number)d saved.") % {"number": criterion.number})
            return redirect(f"{reverse('standards:detail', args=[code])}#criterion-{criterion.number}")
    return render(
        request,
        "rules/criterion_form.html",
        {"form": form, "criterion": criterion, "standard": criterion.standard},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def validity_edit(request, code: str):
    _admin_only(request.user)
    standard = get_object_or_404(Standard, code=code)
    form = ValidityForm(request.POST or None, initial=ValidityForm.initial_for(standard))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_validity(
                standard,
                by=request.user,
                valid_from=form.cleaned_data["valid_from"],
                valid_until=form.cleaned_data["valid_until"],
                expected_version=form.cleaned_data["version"],
            )
        except services.Stale as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, _("The validity dates are saved."))
            return redirect("standards:detail", code=standard.code)
    return render(request, "rules/validity_form.html", {"form": form, "standard": standard}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    _admin_only(request.user)
    form = RuleFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.load_rule_file(form.rule_file, by=request.user)
        except RuleFileError as error:
            for problem in error.problems:
                form.add_error("file", problem)
        else:
            if outcome.action in (outcome.KEPT_EDITED, outcome.KEPT_NEWER):
                form.add_error("file", outcome.message)
            else:
                messages.success(request, outcome.message)
                return redirect("standards:detail", code=outcome.code)
    return render(request, "rules/upload.html", {"form": form})


def rule_rows(standard: Standard) -> list[dict]:
    """The classification rule, one row a level from the highest: the wording kept from the sources and how
    bdtx applies it."""
    rule = standard.classification
    core = ", ".join(map(str, standard.core_criteria))
    total = standard.criteria_count
    rows = []
    for code in rule.get("evaluate_in_order", []):
        conditions = rule.get("rules", {}).get(code, {})
        parts = []
        if "all_criteria_min" in conditions:
            parts.append(
                _("every criterion at %(level)s or above") % {"level": Rating(conditions["all_criteria_min"]).label}
            )
        if share := conditions.get("min_fraction_at_or_above"):
            fraction = Fraction(share["fraction"])
            parts.append(
                _("at least %(fraction)s of the criteria (%(count)d of %(total)d) at %(level)s or above")
                % {
                    "fraction": share["fraction"],
                    "count": math.ceil(fraction * total),
                    "total": total,
                    "level": Rating(share["level"]).label,
                }
            )
        if "core_criteria_min" in conditions:
            parts.append(
                _("the core criteria %(numbers)s at %(level)s or above")
                % {"numbers": core, "level": Rating(conditions["core_criteria_min"]).label}
            )
        applied = "; ".join(parts) if parts else (_("every other case") if code == LOWEST else "")
        rows.append({"code": code, "label": Rating(code).label, "applied": applied, **conditions})
    return rows


def applies_to_text(applies_to: dict) -> list[str]:
    groups, levels = dict(StaffGroup.choices), dict(Level.choices)
    lines = []
    if applies_to.get("groups"):
        lines.append(
            _("Staff group: %(groups)s") % {"groups": ", ".join(str(groups.get(g, g)) for g in applies_to["groups"])}
        )
    if applies_to.get("levels"):
        lines.append(
            _("Levels: %(levels)s") % {"levels": ", ".join(str(levels.get(v, v)) for v in applies_to["levels"])}
        )
    if applies_to.get("position_keywords"):
        lines.append(
            _("Position containing: %(words)s (without diacritics)")
            % {"words": ", ".join(f"“{word}”" for word in applies_to["position_keywords"])}
        )
    return lines


def source_rows(source: dict) -> list[tuple[str, list[str]]]:
    rows = []
    for key, value in source.items():
        values = value if isinstance(value, list) else [value]
        rows.append((str(SOURCE_LABELS.get(key, key)), [str(item) for item in values]))
    return rows


def number_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5, 7, 8] → "1–3, 5, 7–8"."""
    parts: list[list[int]] = []
    for number in sorted(numbers):
        if parts and number == parts[-1][-1] + 1:
            parts[-1].append(number)
        else:
            parts.append([number])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in parts)
