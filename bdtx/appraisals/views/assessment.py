"""The person's own appraisal: self-assessment with evidence (form 01), and opinions on colleagues (form 02)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.accounts import permissions as account_permissions
from bdtx.rules.models import Rating

from .. import permissions, services
from ..forms import EvidenceForm, ReasonForm, StandardChoiceForm
from ..models import Appraisal, AppraisalCycle, Evidence, Opinion, SubjectGroup
from .common import LEVEL_CHOICES, appraisal_in_scope, criterion_rows, own_appraisal


@login_required
@require_GET
def mine(request):
    """The signed-in person's appraisal in the latest cycle reaching their unit, started on first visit."""
    own = permissions.own_staff(request.user)
    if own is None:
        return render(request, "appraisals/assessment_none.html", {"reason": "no_record"})
    cycle = services.cycle_for(own)
    if cycle is None:
        return render(request, "appraisals/assessment_none.html", {"reason": "no_cycle", "member": own})
    try:
        appraisal = services.start_appraisal(cycle, own)
    except services.AppraisalError as error:
        return render(
            request, "appraisals/assessment_none.html", {"reason": "no_standard", "member": own, "error": error}
        )
    return redirect("appraisals:detail", pk=appraisal.pk)


def _is_owner(user, appraisal: Appraisal) -> bool:
    return appraisal.staff.user_id is not None and appraisal.staff.user_id == user.pk


def _posted_state(request, appraisal: Appraisal) -> dict:
    """The self-assessment fields as posted (kept on screen when something is refused)."""
    count = appraisal.standard.criteria_count
    levels = {str(n): request.POST.get(f"level-{n}", "") for n in range(1, count + 1)}
    notes = {str(n): request.POST.get(f"note-{n}", "") for n in range(1, count + 1)}
    declared = [int(n) for n in request.POST.getlist("declared") if n.isdigit()]
    return {
        "levels": {k: v for k, v in levels.items() if v},
        "notes": {k: v for k, v in notes.items() if v},
        "strengths": request.POST.get("strengths", ""),
        "weaknesses": request.POST.get("weaknesses", ""),
        "development_plan": request.POST.get("development_plan", ""),
        "declared_criteria": declared,
        "declared_needs": request.POST.get("declared_needs", ""),
    }


def _detail_context(request, appraisal: Appraisal, *, state=None, evidence_form=None) -> dict:
    user = request.user
    owner = _is_owner(user, appraisal)
    prefetch_related_objects([appraisal], "evidence")  # one query for the rows and the evidence list
    rows, general_evidence = criterion_rows(
        appraisal,
        self_levels=state["levels"] if state else None,
        notes=state["notes"] if state else None,
    )
    evaluator = permissions.can_evaluate(user, appraisal)
    manages = not owner and account_permissions.can_manage_unit(user, appraisal.unit)
    show_final = appraisal.confirmed or evaluator or manages
    editable = owner and not appraisal.submitted
    can_reopen = appraisal.confirmed and permissions.can_reopen(user, appraisal)
    can_change_standard = manages and not appraisal.submitted
    context = {
        "appraisal": appraisal,
        "cycle": appraisal.cycle,
        "member": appraisal.staff,
        "rows": rows,
        "general_evidence": general_evidence,
        "levels": [(code, str(label)) for code, label in LEVEL_CHOICES],  # translated once, shown per criterion
        "owner": owner,
        "editable": editable,
        "state": state
        or {
            "strengths": appraisal.strengths,
            "weaknesses": appraisal.weaknesses,
            "development_plan": appraisal.development_plan,
            "declared_criteria": appraisal.declared_criteria,
            "declared_needs": appraisal.declared_needs,
        },
        "show_final": show_final,
        "can_evaluate": evaluator and not appraisal.confirmed,
        "evaluation_due": appraisal.pk in services.evaluation_due([appraisal]),
        "can_reopen": can_reopen,
        "can_change_standard": can_change_standard,
        # The forms only where the page shows them.
        "evidence_form": evidence_form
        or (EvidenceForm(criteria=[row["criterion"] for row in rows], auto_id="ev_%s") if editable else None),
        "reason_form": ReasonForm() if can_reopen else None,
        "standard_form": (
            StandardChoiceForm(initial={"standard": appraisal.standard_id}) if can_change_standard else None
        ),
        "needs": appraisal.needs.select_related("criterion").order_by("criterion__number", "pk")
        if (owner or manages)
        else [],
        "events": appraisal.events.select_related("by")[:20] if (manages or evaluator) else [],
        "opinions": services.opinion_summary([appraisal])[appraisal.pk] if (manages or evaluator) else None,
        "today": timezone.localdate(),
        "evidence_limit": settings.EVIDENCE_MAX_BYTES // 1_048_576,
        "document_links": _document_links(appraisal, owner=owner, manages=manages or evaluator),
    }
    return context


def _document_links(appraisal: Appraisal, *, owner: bool, manages: bool) -> list[dict]:
    """The printable forms of this appraisal that the viewer may download."""
    from django.urls import reverse

    from bdtx.rules.models import Subject

    links = [{"label": _("Self-assessment form (PDF)"), "url": reverse("appraisals:form-01", args=[appraisal.pk])}]
    if appraisal.confirmed or manages:
        links.append(
            {"label": _("Evaluation form (PDF)"), "url": reverse("appraisals:evaluation-form", args=[appraisal.pk])}
        )
    if appraisal.standard.subject == Subject.PRINCIPAL and (owner or manages):
        links.append(
            {"label": _("Staff opinions (PDF)"), "url": reverse("appraisals:principal-opinions", args=[appraisal.pk])}
        )
    return links


@login_required
@require_GET
def detail(request, pk: int):
    """An appraisal: the person fills in their self-assessment here; others in scope read it."""
    appraisal = own_appraisal(request.user, pk, "staff", "unit")
    if appraisal is None:
        appraisal = appraisal_in_scope(request.user, pk)
    else:
        appraisal.staff.user = request.user  # the same account: the menu finds the person's record without a query
    return render(request, "appraisals/assessment_detail.html", _detail_context(request, appraisal))


@login_required
@require_POST
def self_save(request, pk: int):
    """Save the draft (also the autosave, by htmx, as the person types) and, when asked, submit it.

    The busiest request at a deadline, so kept lean: the person's own appraisal in one light query (anyone else's is
    403 when they may read it, else 404); the draft and the submission are one versioned write in one transaction
    (services.save_self_assessment with submit). A submission the rules refuse still keeps the draft."""
    appraisal = own_appraisal(request.user, pk)
    if appraisal is None:
        appraisal_in_scope(request.user, pk)  # 404 for those who may not even see it
        raise PermissionDenied
    state = _posted_state(request, appraisal)
    try:
        services.save_self_assessment(
            appraisal,
            by=request.user,
            levels=state["levels"],
            notes=state["notes"],
            strengths=state["strengths"],
            weaknesses=state["weaknesses"],
            development_plan=state["development_plan"],
            declared_criteria=state["declared_criteria"],
            declared_needs=state["declared_needs"],
            expected_version=request.POST.get("version") or None,
            submit=request.POST.get("action") == "submit",
        )
    except services.AppraisalError as error:
        if request.htmx:
            status = 409 if isinstance(error, services.Stale) else 400
            return _save_status({"error": error, "appraisal": appraisal}, status)
        messages.error(request, str(error))
        context = _detail_context(request, appraisal, state=state)
        return render(request, "appraisals/assessment_detail.html", context, status=400)
    if request.htmx:
        return _save_status({"appraisal": appraisal, "saved": timezone.now()})
    if appraisal.submitted:
        return redirect("appraisals:receipt", pk=appraisal.pk)
    messages.success(request, _("Draft saved."))
    return redirect("appraisals:detail", pk=appraisal.pk)


@login_required
@require_GET
def receipt(request, pk: int):
    """The receipt Submit leads to: when it was submitted, the self-rating, what happens next. The page every
    teacher gets at the deadline, so light (the person's own appraisal in one query, no criteria): the whole
    assessment is one link away. Others who may read the appraisal are sent to it; outsiders get 404."""
    appraisal = own_appraisal(request.user, pk, "staff", "unit")
    if appraisal is None:
        appraisal_in_scope(request.user, pk)  # 404 for those who may not see it
        return redirect("appraisals:detail", pk=pk)
    if not appraisal.submitted:
        return redirect("appraisals:detail", pk=pk)
    appraisal.staff.user = request.user  # the same account: the menu finds the person's record without a query
    return render(request, "appraisals/assessment_receipt.html", {"appraisal": appraisal, "cycle": appraisal.cycle})


def _save_status(context: dict, status: int = 200) -> HttpResponse:
    """The autosave's answer: the status line and the new version. Rendered without the request's context
    processors (the menu's queries), which this fragment does not show."""
    return HttpResponse(render_to_string("appraisals/assessment_detail.html#save-status", context), status=status)


@login_required
@require_POST
def evidence_add(request, pk: int):
    appraisal = appraisal_in_scope(request.user, pk)
    if not _is_owner(request.user, appraisal):
        raise PermissionDenied
    criteria = list(appraisal.standard.criteria.all())
    form = EvidenceForm(request.POST, request.FILES, criteria=criteria, auto_id="ev_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_evidence(
                appraisal,
                by=request.user,
                title=data["title"],
                criterion_number=data["criterion"],
                description=data["description"],
                url=data["url"],
                upload=data["file"],
            )
        except services.AppraisalError as error:
            form.add_error("file" if data["file"] else None, str(error))
        else:
            messages.success(request, _("Evidence “%(title)s” added.") % {"title": data["title"]})
            return redirect(f"{appraisal_url(appraisal)}#evidence")
    messages.error(request, _("The evidence was not added: see the form below."))
    return render(
        request,
        "appraisals/assessment_detail.html",
        _detail_context(request, appraisal, evidence_form=form),
        status=400,
    )


def appraisal_url(appraisal: Appraisal) -> str:
    from django.urls import reverse

    return reverse("appraisals:detail", kwargs={"pk": appraisal.pk})


def _evidence_in_scope(user, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.filter(appraisal__in=Appraisal.objects.visible_to(user)).select_related(
            "appraisal", "appraisal__staff", "appraisal__standard", "appraisal__cycle"
        ),
        pk=pk,
    )


@login_required
@require_POST
def evidence_remove(request, pk: int):
    evidence = _evidence_in_scope(request.user, pk)
    if not _is_owner(request.user, evidence.appraisal):
        raise PermissionDenied
    try:
        services.remove_evidence(evidence, by=request.user)
    except services.AppraisalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Evidence “%(title)s” removed.") % {"title": evidence.title})
    return redirect(f"{appraisal_url(evidence.appraisal)}#evidence")


@login_required
@require_GET
def evidence_file(request, pk: int):
    """An evidence file, streamed only to those who may see the appraisal (files are never served directly)."""
    evidence = _evidence_in_scope(request.user, pk)
    if not evidence.file:
        raise Http404
    inline = evidence.content_type in ("application/pdf", "image/png", "image/jpeg")
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=not inline,
        filename=evidence.file_name,
        content_type=evidence.content_type,
    )


@login_required
@require_POST
def change_standard(request, pk: int):
    """The school (or the level above) rates this person by another standard, with the reason."""
    appraisal = appraisal_in_scope(request.user, pk)
    if _is_owner(request.user, appraisal) or not account_permissions.can_manage_unit(request.user, appraisal.unit):
        raise PermissionDenied
    form = StandardChoiceForm(request.POST)
    if form.is_valid():
        try:
            services.change_standard(
                appraisal, form.cleaned_data["standard"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.AppraisalError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is now rated by %(standard)s.")
                % {"name": appraisal.staff.full_name, "standard": appraisal.standard.name},
            )
    else:
        messages.error(request, _("Choose a standard and give the reason."))
    return redirect("appraisals:detail", pk=appraisal.pk)


# Colleagues' opinions ------------------------------------------------------------------------------------


def _cycle_reaching(user, pk: int) -> AppraisalCycle:
    return get_object_or_404(AppraisalCycle.objects.visible_to(user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def opinions(request, pk: int):
    """Form 02: the signed-in person's opinion on each colleague of their subject groups (and their principal)."""
    cycle = _cycle_reaching(request.user, pk)
    author = permissions.own_staff(request.user)
    if author is None or not author.unit.is_within(cycle.unit):
        raise Http404
    subjects = services.opinion_subjects(author, cycle)
    given = {
        opinion.appraisal.staff_id: opinion
        for opinion in Opinion.objects.filter(author=author, appraisal__cycle=cycle).select_related("appraisal")
    }
    closed = timezone.localdate() > cycle.opinions_until
    if request.method == "POST":
        entries = [
            {
                "staff": member,
                "rating": request.POST.get(f"rating-{member.pk}", ""),
                "strengths": request.POST.get(f"strengths-{member.pk}", ""),
                "weaknesses": request.POST.get(f"weaknesses-{member.pk}", ""),
            }
            for member in subjects
        ]
        try:
            saved = services.give_opinions(author=author, cycle=cycle, entries=entries, by=request.user)
        except services.AppraisalError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your opinions were saved (%(count)d colleagues).") % {"count": saved})
            return redirect("appraisals:opinions", pk=cycle.pk)
    rows = [{"member": member, "opinion": given.get(member.pk)} for member in subjects]
    return render(
        request,
        "appraisals/assessment_opinions.html",
        {"cycle": cycle, "rows": rows, "levels": Rating.choices, "closed": closed, "author": author},
    )


def group_in_scope(user, pk: int) -> SubjectGroup:
    """A subject group the user may look at: its school's managers, its leader and its members."""
    group = get_object_or_404(SubjectGroup.objects.select_related("unit", "leader"), pk=pk)
    if account_permissions.can_manage_unit(user, group.unit):
        return group
    own = permissions.own_staff(user)
    if own is not None and (group.leader_id == own.pk or group.members.filter(pk=own.pk).exists()):
        return group
    raise Http404


def cycle_from_query(request, group: SubjectGroup) -> AppraisalCycle:
    """The ?cycle= of a group page: a cycle reaching the group's school (else the latest one)."""
    cycles = AppraisalCycle.objects.filter(unit_id__in=group.unit.ancestor_ids())
    raw = request.GET.get("cycle") or request.POST.get("cycle")
    if raw:
        if not raw.isdigit():
            raise Http404
        cycles = cycles.filter(pk=int(raw))
    cycle = cycles.order_by("-year", "-unit__depth").first()
    if cycle is None:
        raise Http404
    return cycle


@login_required
@require_GET
def group_summary(request, pk: int):
    """Form 03 on screen: for each member, how many colleagues gave each level (computed, never typed)."""
    group = group_in_scope(request.user, pk)
    own = permissions.own_staff(request.user)
    if not (account_permissions.can_manage_unit(request.user, group.unit) or (own and group.leader_id == own.pk)):
        raise Http404  # members give opinions; the summary is for the leader and the school
    cycle = cycle_from_query(request, group)
    members = list(group.members.order_by("sort_key", "pk"))
    appraisals = {
        a.staff_id: a for a in Appraisal.objects.filter(cycle=cycle, staff__in=members).select_related("standard")
    }
    summary = services.opinion_summary(appraisals.values())
    rows = [
        {"member": m, "appraisal": appraisals.get(m.pk), "counts": summary.get(getattr(appraisals.get(m.pk), "pk", 0))}
        for m in members
    ]
    return render(request, "appraisals/assessment_group_summary.html", {"group": group, "cycle": cycle, "rows": rows})


urlpatterns = [
    path("mine/", mine, name="mine"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/self/", self_save, name="self-save"),
    path("<int:pk>/submitted/", receipt, name="receipt"),
    path("<int:pk>/evidence/", evidence_add, name="evidence-add"),
    path("<int:pk>/standard/", change_standard, name="change-standard"),
    path("evidence/<int:pk>/file", evidence_file, name="evidence-file"),
    path("evidence/<int:pk>/remove", evidence_remove, name="evidence-remove"),
    path("cycles/<int:pk>/opinions/", opinions, name="opinions"),
    path("groups/<int:pk>/summary/", group_summary, name="group-summary"),
]
