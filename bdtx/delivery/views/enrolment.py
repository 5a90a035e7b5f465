"""Enrolment: by hand (search the people one manages), in bulk from approved plans (a background job with a
progress page), requests to join decided in bulk, withdrawal (the waiting list moves up), and the learner's pages:
"Classes I can join" and "My classes"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bdtx.appraisals.permissions import own_staff
from bdtx.plans.models import PersonalPlanItem, PlanStatus
from bdtx.staff.models import StaffMember
from bdtx.staff.models import Status as StaffStatus

from .. import services, tasks
from ..forms import PeopleSearchForm, PlanEnrolForm
from ..models import ClassSession, Enrolment, EnrolmentJob, EnrolmentStatus, JobStatus, TrainingClass
from ..permissions import can_run_class
from ..services import DeliveryError
from .classes import runnable_class, visible_class

PAGE_SIZE = 50


def counts_message(counts: services.EnrolCounts) -> str:
    """What an enrolment did, one short sentence per figure that is not zero."""
    parts = []
    if counts.enrolled:
        parts.append(ngettext("%(count)d person enrolled.", "%(count)d people enrolled.", counts.enrolled))
    if counts.waiting:
        parts.append(_("%(count)d on the waiting list (the class is full)."))
    if counts.rejected:
        parts.append(ngettext("%(count)d request declined.", "%(count)d requests declined.", counts.rejected))
    if counts.skipped:
        parts.append(_("%(count)d already in the class or already decided: left as they were."))
    if counts.clashes:
        parts.append(
            ngettext(
                "%(count)d of them is also in another class at the same time (enrolled all the same).",
                "%(count)d of them are also in another class at the same time (enrolled all the same).",
                counts.clashes,
            )
        )
    figures = [n for n in (counts.enrolled, counts.waiting, counts.rejected, counts.skipped, counts.clashes) if n]
    return " ".join(part % {"count": n} for part, n in zip(parts, figures, strict=True)) or _("Nobody was chosen.")


# By hand ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def enrol_people(request, pk: int):
    """Search the people the user manages under the organiser, tick them, enrol them (then the waiting list)."""
    training_class = runnable_class(request, pk)
    if request.method == "POST":
        ids = [int(value) for value in request.POST.getlist("staff") if value.isdigit()]
        if not ids:
            messages.error(request, _("Tick the people to enrol first."))
            return redirect(reverse("delivery:enrol-people", args=[pk]) + "?" + request.GET.urlencode())
        try:
            counts = services.enrol_people(training_class, ids, by=request.user)
        except DeliveryError as error:
            messages.error(request, str(error))
            return redirect("delivery:enrol-people", pk=pk)
        messages.success(request, counts_message(counts))
        return redirect("delivery:class-detail", pk=pk)
    units = services.enrolment_units(training_class, request.user)
    form = PeopleSearchForm(request.GET, units=units)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    people = StaffMember.objects.filter(status=StaffStatus.WORKING, unit_id__in=units.values("pk"))
    if unit := data.get("unit"):
        people = people.within(unit)
    if q := (data.get("q") or "").strip():
        people = people.search(q)
    page = Paginator(people.select_related("unit").order_by("sort_key", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    status = dict(
        Enrolment.objects.filter(
            training_class=training_class, staff_id__in=[m.pk for m in page.object_list]
        ).values_list("staff_id", "status")
    )
    labels = dict(EnrolmentStatus.choices)
    for member in page.object_list:
        member.class_status = status.get(member.pk)
        member.class_status_label = labels.get(member.class_status, "")
        member.can_tick = member.class_status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)
    return render(
        request,
        "delivery/enrolment_people.html",
        {
            "training_class": training_class,
            "form": form,
            "page": page,
            "counts": services.class_counts(training_class),
        },
    )


# From approved plans ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def enrol_from_plans(request, pk: int):
    """Choose a unit; a background job enrols everyone there whose approved plan asks for the class's modules."""
    training_class = runnable_class(request, pk)
    if training_class.content != "03":
        messages.error(request, _("Only a class of content 03 (modules) can be filled from the approved plans."))
        return redirect("delivery:class-detail", pk=pk)
    units = services.enrolment_units(training_class, request.user)
    form = PlanEnrolForm(request.POST or request.GET or None, units=units)
    preview = None
    if form.is_bound and form.is_valid():
        unit = form.cleaned_data["unit"]
        if request.method == "POST":
            job = EnrolmentJob.objects.create(training_class=training_class, unit=unit, requested_by=request.user)
            tasks.enrol_from_plans.enqueue(job.pk)
            return redirect("delivery:enrolment-job", pk=job.pk)
        preview = {
            "unit": unit,
            "demand": services.plan_demand(training_class, unit),
            "candidates": services.plan_candidates(training_class, unit).count(),
        }
    return render(
        request,
        "delivery/enrolment_plans.html",
        {
            "training_class": training_class,
            "form": form,
            "preview": preview,
            "modules": list(training_class.modules.all()),
            "jobs": list(training_class.enrolment_jobs.select_related("unit", "requested_by")[:10]),
        },
    )


@login_required
@require_GET
def enrolment_job(request, pk: int):
    """A bulk enrolment's progress (polled by htmx while it runs), then its counts."""
    job = get_object_or_404(
        EnrolmentJob.objects.filter(training_class__in=TrainingClass.objects.visible_to(request.user)).select_related(
            "training_class__organiser", "unit", "requested_by"
        ),
        pk=pk,
    )
    if not can_run_class(request.user, job.training_class):
        raise PermissionDenied
    busy = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    if request.htmx and not busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    template = "delivery/enrolment_job.html#status" if request.htmx else "delivery/enrolment_job.html"
    percent = min(100, job.done * 100 // job.total) if job.total else 0
    return render(request, template, {"job": job, "busy": busy, "percent": percent})


# Requests and withdrawal -----------------------------------------------------------------------------------


@login_required
@require_POST
def decide_requests(request, pk: int):
    """Accept or decline the ticked requests to join (accepted: enrolled while places last, then waiting)."""
    training_class = runnable_class(request, pk)
    ids = [int(value) for value in request.POST.getlist("enrolment") if value.isdigit()]
    decision = request.POST.get("decision")
    if not ids or decision not in ("approve", "reject"):
        messages.error(request, _("Tick the requests, then choose Accept or Decline."))
        return redirect("delivery:class-detail", pk=pk)
    try:
        counts = services.decide_requests(training_class, ids, approve=decision == "approve", by=request.user)
    except DeliveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, counts_message(counts))
    return redirect("delivery:class-detail", pk=pk)


@login_required
@require_POST
def withdraw(request, pk: int):
    """The person (before the class starts) or those who run the class take an enrolment out."""
    enrolment = get_object_or_404(
        Enrolment.objects.visible_to(request.user).select_related("training_class__organiser", "staff"), pk=pk
    )
    own = enrolment.staff.user_id is not None and enrolment.staff.user_id == request.user.pk
    runner = can_run_class(request.user, enrolment.training_class)
    if not (own or runner):
        raise PermissionDenied
    try:
        promoted = services.withdraw(enrolment, by=request.user)
    except DeliveryError as error:
        messages.error(request, str(error))
    else:
        if own and not runner:
            messages.success(request, _("You have left class %(code)s.") % {"code": enrolment.training_class.code})
        else:
            messages.success(
                request,
                _("%(name)s has been withdrawn from the class.") % {"name": enrolment.staff.full_name},
            )
        if promoted is not None and runner:
            messages.info(
                request,
                _("%(name)s moved up from the waiting list into the class.") % {"name": promoted.staff.full_name},
            )
    if own and not runner:
        return redirect("delivery:my-classes")
    return redirect("delivery:class-detail", pk=enrolment.training_class_id)


# The learner's pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def open_classes(request):
    """Classes I can join: open, offered to my unit, self-enrolment on, enrolment window open."""
    own = own_staff(request.user)
    if own is None:
        return render(request, "delivery/enrolment_open.html", {"own": None, "classes": []})
    today = timezone.localdate()
    classes = list(
        services.offered_classes(own, today)
        .select_related("organiser")
        .prefetch_related("modules")
        .order_by("-year", "code", "pk")[:200]
    )
    mine = dict(
        Enrolment.objects.filter(staff=own, training_class__in=[c.pk for c in classes]).values_list(
            "training_class_id", "status"
        )
    )
    planned = set(
        PersonalPlanItem.objects.filter(
            plan__staff=own, plan__status=PlanStatus.APPROVED, module__isnull=False
        ).values_list("plan__year", "module_id")
    )
    first = _first_sessions([c.pk for c in classes], today)
    labels = dict(EnrolmentStatus.choices)
    for training_class in classes:
        status = mine.get(training_class.pk)
        training_class.my_status = labels.get(status, "") if status else ""
        training_class.joinable = status in (None, EnrolmentStatus.WITHDRAWN)
        training_class.in_plan = any((training_class.year, m.pk) in planned for m in training_class.modules.all())
        training_class.next_session = first.get(training_class.pk)
    return render(request, "delivery/enrolment_open.html", {"own": own, "classes": classes})


@login_required
@require_POST
def join(request, pk: int):
    training_class = visible_class(request, pk)
    own = own_staff(request.user)
    if own is None:
        raise Http404
    try:
        services.request_to_join(training_class, own, by=request.user)
    except DeliveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("You asked to join class %(code)s. The organiser will accept or decline; see My classes.")
            % {"code": training_class.code},
        )
    return redirect("delivery:my-classes")


def _first_sessions(class_ids: list[int], today) -> dict[int, ClassSession]:
    """The next session (from today) of each class, in one query."""
    found: dict[int, ClassSession] = {}
    for session in ClassSession.objects.filter(training_class_id__in=class_ids, date__gte=today).order_by(
        "date", "starts_at", "pk"
    ):
        found.setdefault(session.training_class_id, session)
    return found


REASONS = {
    "attendance_short": lambda v: (
        _("attended %(attended)s of %(held)s sessions; %(percent)s%% needed")
        % {"attended": v.get("attended"), "held": v.get("held"), "percent": v.get("percent")}
    ),
    "score_missing": lambda v: _("%(count)s test(s) not scored yet") % {"count": v.get("count")},
    "score_below": lambda v: _("%(count)s test(s) below %(pass_mark)s") % v,
    "no_test": lambda v: _("no test yet"),
}


def reason_text(reasons) -> str:
    return "; ".join(REASONS[key](values) for key, values in reasons if key in REASONS)


@login_required
@require_GET
def my_classes(request):
    """My enrolments: the class, my status, its next session, my outcome."""
    own = own_staff(request.user)
    if own is None:
        return render(request, "delivery/enrolment_mine.html", {"own": None, "enrolments": []})
    today = timezone.localdate()
    enrolments = list(
        Enrolment.objects.filter(staff=own)
        .select_related("training_class__organiser")
        .order_by("-training_class__year", "-requested_at", "pk")[:200]
    )
    first = _first_sessions([e.training_class_id for e in enrolments], today)
    started = set(
        ClassSession.objects.filter(
            training_class_id__in=[e.training_class_id for e in enrolments], date__lte=today
        ).values_list("training_class_id", flat=True)
    )
    for enrolment in enrolments:
        enrolment.next_session = first.get(enrolment.training_class_id)
        enrolment.reason_text = reason_text(enrolment.reasons)
        enrolment.can_leave = enrolment.status in services.ACTIVE and enrolment.training_class_id not in started
        enrolment.online_url = (
            reverse("delivery:online", args=[enrolment.training_class_id])
            if enrolment.status == EnrolmentStatus.ENROLLED and enrolment.training_class.mode != "tap_trung"
            else None
        )
    return render(
        request,
        "delivery/enrolment_mine.html",
        {"own": own, "enrolments": enrolments, "has_offers": services.offered_classes(own, today).exists()},
    )


urlpatterns = [
    path("<int:pk>/enrol/", enrol_people, name="enrol-people"),
    path("<int:pk>/enrol-from-plans/", enrol_from_plans, name="enrol-from-plans"),
    path("enrolment-jobs/<int:pk>/", enrolment_job, name="enrolment-job"),
    path("<int:pk>/requests/", decide_requests, name="requests-decide"),
    path("enrolments/<int:pk>/withdraw/", withdraw, name="enrolment-withdraw"),
    path("open/", open_classes, name="open-classes"),
    path("<int:pk>/join/", join, name="class-join"),
    path("mine/", my_classes, name="my-classes"),
]
