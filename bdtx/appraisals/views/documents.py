"""Printable forms (PDF) and Excel exports of results.

Each view fetches its record in the user's scope first (404 outside it), then builds the file. Who may
download is who may see the record: the appraisal (Appraisal.objects.visible_to), the cycle and the part of
it the user manages, the subject group (its school's managers and its leader). Downloads are logged."""

import logging
import re
import unicodedata

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bdtx.accounts import permissions as account_permissions
from bdtx.lib.excel import XLSX_CONTENT_TYPE
from bdtx.lib.pdf import pdf_response
from bdtx.organisations.models import Unit
from bdtx.rules.models import Subject
from bdtx.staff.models import StaffMember, Status

from .. import pdf, permissions, services
from ..exports import results_workbook
from ..models import Appraisal, AppraisalCycle, Opinion, SubjectGroup
from .common import appraisal_in_scope
from .cycles import viewed_unit

log = logging.getLogger("bdtx.exports")


def file_name(*parts: object, extension: str = "pdf") -> str:
    """An ASCII file name from Vietnamese parts: ("bieu-mau-01", "GV-A-001") → "bieu-mau-01-GV-A-001.pdf"."""
    words = []
    for part in parts:
        text = unicodedata.normalize("NFD", str(part).replace("đ", "d").replace("Đ", "D"))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
        if text:
            words.append(text)
    return "-".join(words or ["tai-lieu"]) + f".{extension}"


def refused(request, message: str, *, back: str, status: int = 400):
    """A page saying why the file cannot be made and what to do instead, with the way back."""
    return render(request, "appraisals/documents_refused.html", {"message": message, "back": back}, status=status)


def _logged(request, what: str, record: object, response):
    log.info("user=%s downloaded %s of %s", request.user.username, what, record)
    return response


def _cycle(user, pk: int) -> AppraisalCycle:
    return get_object_or_404(AppraisalCycle.objects.visible_to(user).select_related("unit"), pk=pk)


def _number(request, name: str) -> str | None:
    """The query parameter when absent or a whole number; None when it is something else."""
    raw = request.GET.get(name, "").strip()
    return raw if raw == "" or raw.isdigit() else None


# Form 01 and the evaluation of one appraisal ---------------------------------------------------------------


@login_required
@require_GET
def form_01(request, pk: int):
    """Biểu mẫu 01: the self-assessment of one person, as far as it is filled in (a draft says so)."""
    appraisal = appraisal_in_scope(request.user, pk)
    document = pdf.form_01(appraisal)
    name = file_name("bieu-mau-01", appraisal.staff.code, appraisal.cycle.school_year)
    return _logged(request, "form-01", f"appraisal {appraisal.pk}", pdf_response(document, name))


@login_required
@require_GET
def evaluation_form(request, pk: int):
    """The evaluation of one person by the head (or, for a principal, the level above). The person sees it
    once it is confirmed; before that it is the evaluator's working copy."""
    appraisal = get_object_or_404(
        Appraisal.objects.visible_to(request.user).select_related("staff", "cycle", "standard", "unit", "evaluated_by"),
        pk=pk,
    )
    own = appraisal.staff.user_id is not None and appraisal.staff.user_id == request.user.pk
    if own and not appraisal.confirmed:
        return refused(
            request,
            _("Your evaluation has not been confirmed yet. The form can be printed once the evaluator confirms it."),
            back=reverse("appraisals:detail", args=[appraisal.pk]),
            status=409,
        )
    counts = None
    if appraisal.standard.subject == Subject.TEACHER:
        counts = services.opinion_summary([appraisal])[appraisal.pk]
    document = pdf.evaluation_form(appraisal, evaluating_unit=permissions.evaluating_unit(appraisal), counts=counts)
    name = file_name("phieu-danh-gia", appraisal.staff.code, appraisal.cycle.school_year)
    return _logged(request, "evaluation-form", f"appraisal {appraisal.pk}", pdf_response(document, name))


@login_required
@require_GET
def principal_opinions(request, pk: int):
    """The staff's opinions on a principal or vice principal, counted by level, without their authors."""
    appraisal = appraisal_in_scope(request.user, pk)
    if appraisal.standard.subject != Subject.PRINCIPAL:
        return refused(
            request,
            _(
                "%(name)s is appraised under a teachers' standard: the staff's opinions are collected on principals "
                "only. For a teacher, print form 03 (the subject group's summary)."
            )
            % {"name": appraisal.staff.full_name},
            back=reverse("appraisals:detail", args=[appraisal.pk]),
        )
    opinions = list(Opinion.objects.filter(appraisal=appraisal).only("rating", "strengths", "weaknesses"))
    document = pdf.principal_opinions(appraisal, opinions)
    name = file_name("y-kien-ve-hieu-truong", appraisal.staff.code, appraisal.cycle.school_year)
    return _logged(request, "principal-opinions", f"appraisal {appraisal.pk}", pdf_response(document, name))


# Form 02: the signed-in person's opinions ------------------------------------------------------------------


@login_required
@require_GET
def form_02(request, pk: int):
    """Biểu mẫu 02: the opinions the signed-in person gave on the colleagues of their subject groups in this
    cycle; a colleague not yet given one is left blank, to fill in by hand."""
    cycle = _cycle(request.user, pk)
    author = permissions.own_staff(request.user)
    if author is None or not author.unit.is_within(cycle.unit):
        raise Http404
    groups = list(SubjectGroup.objects.filter(members=author).order_by("name"))
    colleagues = (
        StaffMember.objects.filter(subject_groups__in=[g.pk for g in groups], status=Status.WORKING)
        .exclude(pk=author.pk)
        .distinct()
    )
    people = {member.pk: member for member in colleagues}
    given = {}
    for opinion in Opinion.objects.filter(
        author=author, appraisal__cycle=cycle, appraisal__standard__subject=Subject.TEACHER
    ).select_related("appraisal__staff"):
        people.setdefault(opinion.appraisal.staff_id, opinion.appraisal.staff)
        given[opinion.appraisal.staff_id] = opinion
    rows = [(m, given.get(m.pk)) for m in sorted(people.values(), key=lambda m: (m.sort_key, m.pk))]
    document = pdf.form_02(author, cycle, groups, rows)
    name = file_name("bieu-mau-02", author.code, cycle.school_year)
    return _logged(request, "form-02", f"cycle {cycle.pk}", pdf_response(document, name))


# Form 03: a subject group's summary ------------------------------------------------------------------------


def _group(user, pk: int) -> SubjectGroup:
    """The group for its school's managers and its leader (members give opinions; the summary is not theirs,
    as on the group's summary page)."""
    group = get_object_or_404(SubjectGroup.objects.select_related("unit", "leader"), pk=pk)
    if account_permissions.can_manage_unit(user, group.unit):
        return group
    own = permissions.own_staff(user)
    if own is not None and group.leader_id == own.pk:
        return group
    raise Http404


@login_required
@require_GET
def form_03(request, pk: int):
    """Biểu mẫu 03: for each member of the group, how many colleagues gave each level (computed)."""
    group = _group(request.user, pk)
    raw = _number(request, "cycle")
    if raw is None:
        return refused(
            request,
            _("“cycle” must be the number of an appraisal cycle, as in the page's links."),
            back=reverse("appraisals:group-summary", args=[group.pk]),
        )
    cycles = AppraisalCycle.objects.filter(unit_id__in=group.unit.ancestor_ids())
    if raw:
        cycles = cycles.filter(pk=int(raw))
    cycle = cycles.order_by("-year", "-unit__depth").first()
    if cycle is None:
        raise Http404
    members = list(group.members.order_by("sort_key", "pk"))
    appraisals = {a.staff_id: a for a in Appraisal.objects.filter(cycle=cycle, staff__in=members).only("pk", "staff")}
    summary = services.opinion_summary(appraisals.values())
    rows = [(m, summary.get(appraisals[m.pk].pk) if m.pk in appraisals else None) for m in members]
    document = pdf.form_03(group, cycle, rows)
    name = file_name("bieu-mau-03", group.unit.code, group.name, cycle.school_year)
    return _logged(request, "form-03", f"group {group.pk} cycle {cycle.pk}", pdf_response(document, name))


# Form 04 and the results workbook: a part of the cycle -----------------------------------------------------


def _part_of_cycle(request, pk: int) -> tuple[AppraisalCycle, Unit | None, str]:
    """The cycle and the unit (?unit=) inside the part of it the user manages; 404 outside it. The third
    value is a message when ?unit= is not a number."""
    cycle = _cycle(request.user, pk)
    if _number(request, "unit") is None:
        return cycle, None, _("“unit” must be the number of a unit, as in the page's links.")
    unit, _roots = viewed_unit(request, cycle)
    if unit is None:
        raise Http404
    return cycle, unit, ""


@login_required
@require_GET
def form_04(request, pk: int):
    """Biểu mẫu 04: the school's teachers with the head's levels, the self-rating, the colleagues' opinions
    and the head's rating; totals per level."""
    cycle, unit, problem = _part_of_cycle(request, pk)
    back = reverse("appraisals:cycle-detail", args=[cycle.pk])
    if problem:
        return refused(request, problem, back=back)
    if Unit.objects.filter(parent=unit).exists():
        return refused(
            request,
            _(
                "Form 04 is made for one school, and %(unit)s has units under it. Choose a school in the cycle's "
                "progress page, then print its form 04."
            )
            % {"unit": unit.name},
            back=f"{back}?unit={unit.pk}",
        )
    appraisals = list(
        Appraisal.objects.visible_to(request.user)
        .filter(cycle=cycle, unit=unit, standard__subject=Subject.TEACHER)
        .select_related("staff", "standard", "evaluated_by")
        .order_by("staff__sort_key", "pk")
    )
    summary = services.opinion_summary(appraisals)
    document = pdf.form_04(unit, cycle, appraisals, summary)
    name = file_name("bieu-mau-04", unit.code, cycle.school_year)
    return _logged(request, "form-04", f"cycle {cycle.pk} unit {unit.code}", pdf_response(document, name))


@login_required
@require_GET
def results_xlsx(request, pk: int):
    """The results of everyone appraised in the unit's subtree (within the user's scope), one row each."""
    cycle, unit, problem = _part_of_cycle(request, pk)
    if problem:
        return refused(request, problem, back=reverse("appraisals:cycle-detail", args=[cycle.pk]))
    appraisals = Appraisal.objects.visible_to(request.user).filter(
        cycle=cycle, unit_id__in=Unit.objects.within(unit).values("pk")
    )
    handle, count = results_workbook(appraisals)
    log.info("user=%s exported appraisal results cycle=%s unit=%s rows=%d", request.user.username, cycle.pk,
             unit.code, count)  # fmt: skip
    name = file_name("ket-qua-danh-gia", unit.code, cycle.school_year, extension="xlsx")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


urlpatterns = [
    path("<int:pk>/form-01.pdf", form_01, name="form-01"),
    path("<int:pk>/evaluation.pdf", evaluation_form, name="evaluation-form"),
    path("<int:pk>/principal-opinions.pdf", principal_opinions, name="principal-opinions"),
    path("cycles/<int:pk>/form-02.pdf", form_02, name="form-02"),
    path("groups/<int:pk>/form-03.pdf", form_03, name="form-03"),
    path("cycles/<int:pk>/form-04.pdf", form_04, name="form-04"),
    path("cycles/<int:pk>/results.xlsx", results_xlsx, name="results-xlsx"),
]
