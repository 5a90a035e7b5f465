"""The yearly result pages: a person's result (its reasons in words, the periods ledger, the classes, the history),
the signed-in person's own, a unit's results with recognition in batch and recomputation, and the background
recompute job's progress.

Results are seen by those who manage the person's unit (and above) and by the person; everything else is 404.
Recognition, correction and reopening are checked by bdtx.results.services (who may do what to which result)."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from bdtx.accounts import permissions
from bdtx.appraisals.permissions import own_staff
from bdtx.appraisals.progress import expected_staff
from bdtx.delivery.models import Enrolment
from bdtx.lib.schoolyear import school_year_label
from bdtx.organisations.models import Unit
from bdtx.rules.completion import completion_rule

from .. import certificates, reports, services, tasks
from ..forms import CorrectForm, ReopenForm, ResultFilterForm, YearForm
from ..models import Certificate, RecomputeJob, YearResult

PAGE_SIZE = 50
# Above this many people a recomputation runs in the background with a progress bar.
RECOMPUTE_INLINE = 2000
log = logging.getLogger("bdtx.results")


# Helpers shared with the report views ---------------------------------------------------------------------


def managed_unit(request, pk: int) -> Unit:
    """A unit whose people the user manages; any other unit is 404."""
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
    if not permissions.can_manage_unit(request.user, unit):
        raise Http404
    return unit


def top_unit(user) -> Unit | None:
    """The highest unit the user manages (the first of the shallowest)."""
    if getattr(user, "is_superuser", False):
        return Unit.objects.filter(parent=None).order_by("pk").first()
    roots = sorted(permissions.managed_units(user), key=lambda unit: (unit.depth, unit.pk))
    return roots[0] if roots else None


def result_years(unit: Unit) -> list[int]:
    """The school years to offer: from the first with results to the last (two index look-ups, whatever the
    number of results; a year without results in this unit's subtree just shows an empty list)."""
    span = YearResult.objects.order_by().aggregate(first=Min("year"), last=Max("year"))
    return list(range(span["first"], span["last"] + 1)) if span["first"] else []


def _ids(unit: Unit):
    return Unit.objects.within(unit).values("pk")


def unit_results(user, unit: Unit):
    """The results of the unit's subtree that the user may see."""
    # A scope of everyone (an officer at the top of the only tree) needs no filter on the people.
    results = YearResult.objects.visible_to(user) if permissions.staff_scope(user) else YearResult.objects.all()
    return results if unit.parent_id is None else results.filter(unit_id__in=_ids(unit))


# A person's result ----------------------------------------------------------------------------------------


def _result_in_scope(user, pk: int) -> YearResult:
    return get_object_or_404(
        YearResult.objects.visible_to(user).select_related("staff", "unit", "recognised_by", "plan"), pk=pk
    )


def class_url(pk: int) -> str:
    """The class's page, once the classes area has one."""
    try:
        return reverse("delivery:class-detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def _history(result: YearResult) -> list[dict]:
    rows = []
    for event in result.events.select_related("by"):
        before, after = event.before.get("outcome"), event.after.get("outcome")
        rows.append(
            {
                "event": event,
                "by": (event.by.full_name or event.by.get_username()) if event.by else "",
                "before": reports.outcome_label(before) if before else "",
                "after": reports.outcome_label(after) if after else "",
                "changed": before != after,
            }
        )
    return rows


def _result_context(request, result: YearResult, *, years=None, correct_form=None, reopen_form=None) -> dict:
    user = request.user
    known = services.units_for([result])
    enrolments = list(
        Enrolment.objects.filter(staff_id=result.staff_id, training_class__year=result.year)
        .select_related("training_class", "training_class__organiser")
        .order_by("training_class__code", "pk")
    )
    urls = {enrolment.training_class.code: class_url(enrolment.training_class_id) for enrolment in enrolments}
    lines = [{**line, "links": [(code, urls.get(code)) for code in line.get("classes", [])]} for line in result.lines]
    rule = completion_rule()
    can_correct = services.can_correct(user, result, known)
    return {
        "result": result,
        "member": result.staff,
        "outcome": reports.outcome_label(result.outcome),
        "reasons": reports.reasons_text(result),
        "lines": lines,
        "enrolments": [
            {
                "enrolment": e,
                "url": urls.get(e.training_class.code),
                "reasons": [reports.class_reason_text(key, values) for key, values in e.reasons],
            }
            for e in enrolments
        ],
        "history": _history(result),
        "rule": rule,
        "is_own": result.staff.user_id is not None and result.staff.user_id == user.pk,
        "can_recognise": not result.recognised and services.can_recognise(user, result, known),
        "can_correct": can_correct and not result.recognised,
        "can_reopen": can_correct and (result.recognised or result.corrected),
        "recogniser": services.recognising_unit(result, known),
        "correct_form": correct_form or CorrectForm(initial={"outcome": result.outcome, "version": result.version}),
        "reopen_form": reopen_form or ReopenForm(),
        "years": years,
        "manages": permissions.can_manage_unit(user, known[result.unit_id]),
        "recognised_by_name": (result.recognised_by.full_name or result.recognised_by.username)
        if result.recognised_by
        else "—",
        "certificate": result.certificates.filter(status=Certificate.Status.VALID).first(),
        "may_issue": certificates.refusal(result) is None and bool(certificates.issuers_for(user, result.unit)),
    }


@login_required
@require_GET
def result(request, pk: int):
    """Kết quả BDTX of one person in one school year."""
    found = _result_in_scope(request.user, pk)
    return render(request, "results/result_detail.html", _result_context(request, found))


@login_required
@require_GET
def mine(request):
    """The signed-in person's own result, for the current school year or the one chosen; worked out on the first
    visit when the person has none yet."""
    own = own_staff(request.user)
    if own is None:
        return render(request, "results/result_none.html", {"reason": "no_record"}, status=404)
    years = list(YearResult.objects.filter(staff=own).values_list("year", flat=True))
    form = YearForm(request.GET, years=years)
    if not form.is_valid():
        return render(request, "results/result_none.html", {"reason": "bad_year", "form": form}, status=400)
    year = form.cleaned_data["year"]
    found = YearResult.objects.filter(staff=own, year=year).first()
    if found is None:
        services.recompute(year, staff_ids=[own.pk])
        found = YearResult.objects.filter(staff=own, year=year).first()
    if found is None:
        return render(request, "results/result_none.html", {"reason": "no_result", "form": form, "year": year})
    found = _result_in_scope(request.user, found.pk)
    return render(request, "results/result_detail.html", _result_context(request, found, years=form))


@login_required
@require_POST
def recognise_one(request, pk: int):
    found = _result_in_scope(request.user, pk)
    try:
        count, _left = services.recognise_as(request.user, [found], strict=True)
    except services.ResultError as error:
        raise PermissionDenied(str(error)) from None
    if count:
        messages.success(request, _("Result recognised: it is now locked."))
    else:
        messages.info(request, _("This result was already recognised."))
    return redirect("results:result", pk=found.pk)


@login_required
@require_POST
def correct(request, pk: int):
    """The level above the school sets the outcome by hand, with a reason (audited)."""
    found = _result_in_scope(request.user, pk)
    if not services.can_correct(request.user, found):
        raise PermissionDenied
    form = CorrectForm(request.POST)
    if form.is_valid():
        try:
            services.correct(
                found,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
            )
        except services.ResultError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Result corrected; the reason is kept in its history."))
            return redirect("results:result", pk=found.pk)
    found = _result_in_scope(request.user, pk)
    return render(request, "results/result_detail.html", _result_context(request, found, correct_form=form), status=400)


@login_required
@require_POST
def reopen(request, pk: int):
    """The level above the school unlocks a recognised or corrected result: it follows the rule again."""
    found = _result_in_scope(request.user, pk)
    if not services.can_correct(request.user, found):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.reopen(found, reason=form.cleaned_data["reason"], by=request.user)
        except services.ResultError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Result reopened: it follows the rule again until it is recognised."))
            return redirect("results:result", pk=found.pk)
    found = _result_in_scope(request.user, pk)
    return render(request, "results/result_detail.html", _result_context(request, found, reopen_form=form), status=400)


# A unit's results -------------------------------------------------------------------------------------------


@login_required
@require_GET
def units(request):
    """The results of the highest unit the user manages (the navigation's entry); a person's own otherwise."""
    unit = top_unit(request.user)
    if unit is None:
        return redirect("results:mine")
    return redirect("results:unit", pk=unit.pk)


def _filtered(request, unit: Unit, params):
    form = ResultFilterForm(params, years=result_years(unit))
    return form, form.apply(unit_results(request.user, unit))


LIST_FIELDS = (
    "year",
    "outcome",
    "periods_planned",
    "periods_earned",
    "recognised",
    "recognised_at",
    "corrected",
    "unit_id",
    "staff__full_name",
    "staff__code",
    "staff__levels",
    "staff__group",
    "staff__user_id",
    "staff__sort_key",
    "unit__name",
)


@login_required
@require_GET
def unit_list(request, pk: int):
    """The people of a unit's subtree with their result of the school year: filtered, 50 a page, with the
    recognition of ticked rows or of every filtered row, and recomputation."""
    unit = managed_unit(request, pk)
    form, results = _filtered(request, unit, request.GET)
    year = form.chosen_year
    listed = results.select_related("staff", "unit").only(*LIST_FIELDS).order_by("staff__sort_key", "pk")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    known = services.units_for(rows) if rows else {}
    for row in rows:
        row.outcome_text = reports.outcome_label(row.outcome)
        row.may_recognise = not row.recognised and services.can_recognise(request.user, row, known)
    counts = (
        unit_results(request.user, unit)
        .filter(year=year)
        .aggregate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(outcome=reports.COMPLETED)),
            recognised=Count("pk", filter=Q(recognised=True)),
        )
    )
    context = {
        "unit": unit,
        "form": form,
        "year": year,
        "year_label": school_year_label(year),
        "page": page,
        "rows": rows,
        "counts": counts,
        "filters": form.params(),
        "query": urlencode(form.params()),
        "any_recognisable": any(row.may_recognise for row in rows),
    }
    template = "results/result_unit.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#rows"
    response = render(request, template, context, status=400 if form.errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _back(unit: Unit, params: dict) -> str:
    url = reverse("results:unit", kwargs={"pk": unit.pk})
    return f"{url}?{urlencode(params)}" if params else url


@login_required
@require_POST
def unit_recognise(request, pk: int):
    """Công nhận kết quả in batch: the ticked rows, or every row the filters select ("all"). Results the user may
    not recognise (their own; a principal's, recognised by the level above) are left out and counted."""
    unit = managed_unit(request, pk)
    form, results = _filtered(request, unit, request.POST)
    if form.errors:
        messages.error(request, _("The filters are not valid; nothing was recognised. Check them and try again."))
        return redirect(_back(unit, form.params()))
    results = results.filter(recognised=False).select_related("staff").order_by()
    if request.POST.get("scope") != "all":
        ids = [int(value) for value in request.POST.getlist("result") if value.isdigit()]
        if not ids:
            messages.error(
                request, _("Tick the results to recognise first, or choose “Recognise every result listed”.")
            )
            return redirect(_back(unit, form.params()))
        results = results.filter(pk__in=ids)
    chosen = list(
        results.only(
            "pk", "unit_id", "outcome", "recognised", "reasons", "staff__group", "staff__user_id", "staff__full_name"
        )
    )
    count, left_out = services.recognise_as(request.user, chosen)
    if count:
        messages.success(
            request,
            ngettext("%(count)d result recognised and locked.", "%(count)d results recognised and locked.", count)
            % {"count": count},
        )
    if left_out:
        messages.warning(
            request,
            ngettext(
                "%(count)d result was left out: the person's own, or a principal's (recognised by the level above).",
                "%(count)d results were left out: your own, or principals' (recognised by the level above).",
                len(left_out),
            )
            % {"count": len(left_out)},
        )
    if not count and not left_out:
        messages.info(request, _("Nothing to recognise: these results are recognised already."))
    return redirect(_back(unit, form.params()))


@login_required
@require_POST
def unit_recompute(request, pk: int):
    """Derive again the results of the unit's subtree for the school year (recognised and corrected ones stay):
    at once for a small subtree, else as a background job with a progress bar."""
    unit = managed_unit(request, pk)
    form = YearForm(request.POST, years=result_years(unit))
    if not form.is_valid():
        messages.error(request, _("Choose the school year to recompute."))
        return redirect("results:unit", pk=unit.pk)
    year = form.cleaned_data["year"]
    people = expected_staff().filter(unit_id__in=_ids(unit)).count()
    if people > RECOMPUTE_INLINE:
        job = RecomputeJob.objects.create(unit=unit, year=year, requested_by=request.user, total=people)
        tasks.recompute_job.enqueue(job.pk)
        log.info("user=%s started recompute job %s unit=%s year=%s", request.user.username, job.pk, unit.code, year)
        return redirect("results:recompute-job", pk=job.pk)
    counts = services.recompute(year, unit=unit)
    messages.success(request, _counts_message(counts))
    return redirect(_back(unit, {"year": year}))


def _counts_message(counts: dict) -> str:
    return (
        _(
            "Results recomputed for %(people)s people: %(created)s new, %(updated)s changed, %(unchanged)s unchanged, "
            "%(locked)s locked (recognised or corrected, left as they are)."
        )
        % counts
    )


@login_required
@require_GET
def recompute_job(request, pk: int):
    """A background recomputation, seen by the person who started it: its progress (polled by htmx while it runs),
    then its counts."""
    jobs = RecomputeJob.objects.select_related("unit")
    if not request.user.is_superuser:
        jobs = jobs.filter(requested_by=request.user)
    job = get_object_or_404(jobs, pk=pk)
    busy = job.busy
    if request.htmx and not busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {
        "job": job,
        "busy": busy,
        "percent": job.percent,
        "message": _counts_message(job.counts) if job.status == RecomputeJob.Status.DONE else "",
        "back": _back_to_unit(job),
    }
    template = "results/result_job.html#status" if request.htmx else "results/result_job.html"
    return render(request, template, context)


def _back_to_unit(job: RecomputeJob) -> str:
    return f"{reverse('results:unit', kwargs={'pk': job.unit_id})}?{urlencode({'year': job.year})}"


urlpatterns = [
    path("mine/", mine, name="mine"),
    path("<int:pk>/", result, name="result"),
    path("<int:pk>/recognise/", recognise_one, name="result-recognise"),
    path("<int:pk>/correct/", correct, name="result-correct"),
    path("<int:pk>/reopen/", reopen, name="result-reopen"),
    path("units/", units, name="units"),
    path("units/<int:pk>/", unit_list, name="unit"),
    path("units/<int:pk>/recognise/", unit_recognise, name="unit-recognise"),
    path("units/<int:pk>/recompute/", unit_recompute, name="unit-recompute"),
    path("jobs/<int:pk>/", recompute_job, name="recompute-job"),
]
