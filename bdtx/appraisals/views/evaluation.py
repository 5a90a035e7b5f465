"""Evaluation by the head (one person, or a whole subject group at once), reopening, principals' evaluation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bdtx.accounts import permissions as account_permissions
from bdtx.lib.text import fold
from bdtx.organisations.models import Unit
from bdtx.rules.classification import RuleError
from bdtx.rules.models import Criterion, Subject
from bdtx.staff.models import StaffGroup, StaffMember, Status

from .. import permissions, services
from ..forms import ReasonForm
from ..models import Appraisal, AppraisalCycle
from .assessment import cycle_from_query, group_in_scope
from .common import LEVEL_CHOICES, SHORT, appraisal_in_scope, criterion_rows


def _posted_levels(post, prefix: str, count: int) -> dict[str, str]:
    return {str(n): post.get(f"{prefix}{n}", "") for n in range(1, count + 1) if post.get(f"{prefix}{n}")}


@login_required
@require_http_methods(["GET", "POST"])
def evaluate(request, pk: int):
    """One person's evaluation: levels per criterion starting from the self-assessment, comments, and the
    overall rating computed by the standard's rule; confirming locks it."""
    appraisal = appraisal_in_scope(request.user, pk)
    if not permissions.can_evaluate(request.user, appraisal):
        raise PermissionDenied
    if appraisal.confirmed:
        messages.info(request, _("This evaluation is confirmed; only the level above can reopen it."))
        return redirect("appraisals:detail", pk=appraisal.pk)
    count = appraisal.standard.criteria_count
    flags, status, stale_version = None, 200, None
    levels = appraisal.final_levels or appraisal.self_levels
    comments, comment = appraisal.final_comments, appraisal.evaluation_comment
    if request.method == "POST":
        levels = _posted_levels(request.POST, "level-", count)
        comments = {str(n): request.POST.get(f"comment-{n}", "") for n in range(1, count + 1)}
        comment = request.POST.get("comment", "")
        try:
            services.save_evaluation(
                appraisal,
                by=request.user,
                levels=levels,
                comments=comments,
                comment=comment,
                expected_version=request.POST.get("version") or None,
            )
            if request.POST.get("action") == "confirm":
                row = services.EvaluationRow(appraisal, {int(k): v for k, v in levels.items()}, comment)
                services.confirm_evaluations([row], by=request.user, acknowledged=bool(request.POST.get("acknowledge")))
                messages.success(
                    request,
                    _("Evaluation confirmed: %(name)s is rated %(rating)s.")
                    % {"name": appraisal.staff.full_name, "rating": appraisal.get_final_rating_display()},
                )
                return redirect("appraisals:detail", pk=appraisal.pk)
        except services.NeedsAcknowledgement as error:
            flags, status = error.flags.get(appraisal.pk, []), 409
            messages.warning(request, str(error))
        except services.AppraisalError as error:
            messages.error(request, str(error))
            status = 409 if isinstance(error, services.Stale) else 400
            if isinstance(error, services.Stale):
                # Keep the version the page was loaded with: saving again is refused until the page is reloaded.
                stale_version = request.POST.get("version")
        else:
            messages.success(request, _("Evaluation saved as a draft."))
            return redirect("appraisals:evaluate", pk=appraisal.pk)
    rows, general = criterion_rows(appraisal, final_levels=levels, comments=comments)
    if flags is None:
        evidence = services.evidence_by_appraisal([appraisal.pk])[appraisal.pk]
        flags = services.review_flags(appraisal, {int(k): v for k, v in levels.items() if v}, evidence)
    try:
        rating = appraisal.standard.classify({int(k): v for k, v in levels.items()})
    except RuleError:
        rating = ""
    context = {
        "appraisal": appraisal,
        "version": stale_version or appraisal.version,
        "member": appraisal.staff,
        "cycle": appraisal.cycle,
        "rows": rows,
        "general_evidence": general,
        "levels": LEVEL_CHOICES,
        "comment": comment,
        "flags": flags,
        "acknowledge_needed": status == 409,
        "rating_preview": rating,
        "opinions": services.opinion_summary([appraisal])[appraisal.pk],
    }
    return render(request, "appraisals/evaluation_single.html", context, status=status)


@login_required
@require_POST
def reopen(request, pk: int):
    """The level above reopens a confirmed evaluation, with the reason (kept in the history)."""
    appraisal = appraisal_in_scope(request.user, pk)
    if not permissions.can_reopen(request.user, appraisal):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for reopening (field “Reason”, at least 10 characters)."))
        return redirect("appraisals:detail", pk=appraisal.pk)
    try:
        services.reopen_evaluation(appraisal, by=request.user, reason=form.cleaned_data["reason"])
    except services.AppraisalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The evaluation was reopened; the evaluator can change and confirm it again."))
    return redirect("appraisals:detail", pk=appraisal.pk)


# A whole subject group at once ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def bulk_evaluate(request, pk: int):
    """The head evaluates a whole subject group on one screen: levels start from each self-assessment; before
    confirming, the screen flags ratings without evidence, uniform all-Tốt patterns and large gaps from the
    self-assessment; confirming writes and locks every row in one transaction."""
    group = group_in_scope(request.user, pk)
    if not account_permissions.can_manage_unit(request.user, group.unit):
        raise Http404
    cycle = cycle_from_query(request, group)
    members = list(group.members.filter(status=Status.WORKING).order_by("sort_key", "pk"))
    appraisals = {
        a.staff_id: a
        for a in Appraisal.objects.filter(cycle=cycle, staff__in=members).select_related(
            "staff", "standard", "unit", "cycle"
        )
    }
    standard = _main_standard(appraisals.values())
    if standard is None:
        messages.info(request, _("Nobody in this group has started a self-assessment in this cycle yet."))
        return render(request, "appraisals/evaluation_bulk.html", {"group": group, "cycle": cycle, "rows": []})
    criteria = list(Criterion.objects.filter(standard=standard))
    rows, elsewhere = [], []
    for member in members:
        appraisal = appraisals.get(member.pk)
        if appraisal is None:
            elsewhere.append({"member": member, "why": _("has not started a self-assessment")})
        elif appraisal.standard_id != standard.pk:
            elsewhere.append({"member": member, "appraisal": appraisal, "why": _("is rated by another standard")})
        elif not permissions.can_evaluate(request.user, appraisal):
            elsewhere.append({"member": member, "appraisal": appraisal, "why": _("is not yours to evaluate")})
        else:
            rows.append({"member": member, "appraisal": appraisal})
    flags, status, checked = {}, 200, False
    action = request.POST.get("action") if request.method == "POST" else None
    for row in rows:
        appraisal = row["appraisal"]
        # The version each row was loaded with travels with the page (also through "Check"), so that a save over
        # someone else's change is refused rather than applied over it.
        posted_version = request.POST.get(f"v-{appraisal.pk}", "") if action else ""
        row["version"] = int(posted_version) if posted_version.isdigit() else appraisal.version
        if action and not appraisal.confirmed:
            row["levels"] = _posted_levels(request.POST, f"l-{appraisal.pk}-", standard.criteria_count)
            row["comment"] = request.POST.get(f"comment-{appraisal.pk}", "")
        else:
            row["levels"] = appraisal.final_levels or appraisal.self_levels
            row["comment"] = appraisal.evaluation_comment
    open_rows = [r for r in rows if not r["appraisal"].confirmed and r["levels"]]
    if action:
        evaluation_rows = [
            services.EvaluationRow(r["appraisal"], {int(k): v for k, v in r["levels"].items()}, r["comment"])
            for r in open_rows
        ]
        try:
            if action in ("save", "confirm"):
                # The rows to be written, and those confirmed elsewhere meanwhile (whose input would be dropped).
                _refuse_changed_rows(open_rows + [r for r in rows if r["appraisal"].confirmed])
            if action == "save":
                with transaction.atomic():  # every row or none
                    for r in open_rows:
                        services.save_evaluation(
                            r["appraisal"],
                            by=request.user,
                            levels=r["levels"],
                            comment=r["comment"],
                            expected_version=r["version"],
                        )
                messages.success(request, _("Drafts saved for %(count)d people.") % {"count": len(open_rows)})
                return redirect(f"{request.path}?cycle={cycle.pk}")
            if action == "confirm":
                if not evaluation_rows:
                    raise services.AppraisalError(_("There is nothing to confirm: give levels first."))
                services.confirm_evaluations(
                    evaluation_rows, by=request.user, acknowledged=bool(request.POST.get("acknowledge"))
                )
                messages.success(
                    request, _("%(count)d evaluations confirmed and locked.") % {"count": len(evaluation_rows)}
                )
                return redirect(f"{request.path}?cycle={cycle.pk}")
            flags, checked = services.bulk_flags(evaluation_rows), True
        except services.NeedsAcknowledgement as error:
            flags, status = error.flags, 409
            messages.warning(request, str(error))
        except services.AppraisalError as error:
            messages.error(request, str(error))
            status = 409 if isinstance(error, services.Stale | services.Locked) else 400
    rating_names = dict(LEVEL_CHOICES)
    due = services.evaluation_due([row["appraisal"] for row in rows])
    for row in rows:
        row["due"] = row["appraisal"].pk in due
        levels = {int(k): v for k, v in row["levels"].items() if v}
        row["cells"] = [(c.number, row["levels"].get(str(c.number), "")) for c in criteria]
        row["cells"] = [(number, code, SHORT.get(code, "—")) for number, code in row["cells"]]
        row["flags"] = flags.get(row["appraisal"].pk, [])
        try:
            row["rating"] = rating_names[standard.classify(levels)]
        except RuleError:
            row["rating"] = ""
    context = {
        "group": group,
        "cycle": cycle,
        "standard": standard,
        "criteria": criteria,
        "rows": rows,
        "elsewhere": elsewhere,
        "options": [(code, SHORT[code], label) for code, label in LEVEL_CHOICES],
        "flag_count": sum(len(f) for f in flags.values()),
        "checked": checked,
        "acknowledge_needed": status == 409,
    }
    return render(request, "appraisals/evaluation_bulk.html", context, status=status)


def _refuse_changed_rows(rows: list[dict]) -> None:
    """Stale, naming the people, when any row was saved or confirmed elsewhere since the page was loaded."""
    changed = [row["member"].full_name for row in rows if row["version"] != row["appraisal"].version]
    if changed:
        raise services.Stale(
            _(
                "%(names)s: changed or confirmed by someone else since you opened this page. Nothing was saved. "
                "Reload the page to see the evaluations as they are now, then make your changes again."
            )
            % {"names": ", ".join(changed)}
        )


def _main_standard(appraisals):
    counts: dict = {}
    for appraisal in appraisals:
        counts.setdefault(appraisal.standard_id, [0, appraisal.standard])[0] += 1
    return max(counts.values(), key=lambda pair: pair[0])[1] if counts else None


# Principals, evaluated by the level above --------------------------------------------------------------------


@login_required
def principals(request, pk: int):
    """The principals (and vice principals) this officer's unit evaluates in the cycle, with their progress."""
    cycle = get_object_or_404(AppraisalCycle.objects.visible_to(request.user), pk=pk)
    if not (permissions.officer_units(request.user) or account_permissions.is_system_admin(request.user)):
        raise Http404
    managers = [
        m
        for m in StaffMember.objects.visible_to(request.user)
        .filter(unit__path__startswith=cycle.unit.path, group=StaffGroup.MANAGER, status=Status.WORKING)
        .select_related("unit")
        .order_by("sort_key", "pk")
        if "hieu truong" in fold(m.position)
    ]
    ancestor_ids = {pk for m in managers for pk in m.unit.ancestor_ids()}
    known = Unit.objects.in_bulk(ancestor_ids)
    mine = {u.pk for u in permissions.officer_units(request.user)}
    admin = account_permissions.is_system_admin(request.user)
    appraisals = {
        a.staff_id: a
        for a in Appraisal.objects.filter(cycle=cycle, staff__in=managers, standard__subject=Subject.PRINCIPAL)
    }
    rows = []
    for member in managers:
        superior = permissions.superior_unit(member.unit, known)
        if admin or (superior is not None and superior.pk in mine):
            rows.append({"member": member, "superior": superior, "appraisal": appraisals.get(member.pk)})
    return render(request, "appraisals/evaluation_principals.html", {"cycle": cycle, "rows": rows})


urlpatterns = [
    path("<int:pk>/evaluate/", evaluate, name="evaluate"),
    path("<int:pk>/reopen/", reopen, name="reopen"),
    path("groups/<int:pk>/evaluate/", bulk_evaluate, name="bulk-evaluate"),
    path("cycles/<int:pk>/principals/", principals, name="principals"),
]
