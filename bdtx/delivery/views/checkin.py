"""Check-in by phone. The presenter opens check-in for a session and shows a full-screen page with a QR code that
changes every 20 seconds and a 6-digit code to read out (refreshed by htmx polling; without JavaScript the page
reloads itself). A learner scans the code (signing in first if needed: the sign-in page brings them back) or types
the spoken code on the code page. Only those who teach the class see the presenter's page; a learner must be
enrolled. Outside the user's scope a session does not exist (404)."""

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import checkin
from ..models import Attendance, ClassSession, EnrolmentStatus
from ..permissions import can_teach_class
from .attendance import visible_session

LATEST_NAMES = 12
POLL_SECONDS = 3


def taught_session(request, pk: int) -> ClassSession:
    """The session, if this user teaches its class; else it does not exist for them (a learner must never see the
    code from elsewhere than the room)."""
    session = visible_session(request, pk)
    if not can_teach_class(request.user, session.training_class):
        raise Http404
    return session


def spaced(code: str) -> str:
    """ "123456" → "123 456", easier to read out and to type."""
    return f"{code[:3]} {code[3:]}"


# The presenter's screen -----------------------------------------------------------------------------------


def live_context(request, session: ClassSession) -> dict:
    now = time.time()
    token = checkin.current_token(session, now=now)
    scan_url = request.build_absolute_uri(reverse("delivery:checkin-scan", kwargs={"pk": session.pk, "token": token}))
    present = checkin.present_now(session)
    return {
        "session": session,
        "training_class": session.training_class,
        "qr": checkin.qr_svg(scan_url),
        "code": spaced(checkin.current_code(session, now=now)),
        "code_url": request.build_absolute_uri(reverse("delivery:checkin-code", kwargs={"pk": session.pk})),
        "present_count": len(present),
        "latest": present[:LATEST_NAMES],
        "enrolled": session.training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).count(),
        "poll_seconds": POLL_SECONDS,
        "slot_seconds": checkin.SLOT_SECONDS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def checkin_screen(request, pk: int):
    session = taught_session(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("open", "close"):
            messages.error(request, _("Choose whether to open or close check-in."))
        elif checkin.set_open(session, action == "open"):
            if action == "open":
                messages.success(request, _("Check-in is open. Show this screen to the room."))
            else:
                messages.success(request, _("Check-in is closed: the QR code and the spoken code no longer work."))
        return redirect("delivery:checkin", pk=session.pk)
    context = live_context(request, session) if session.checkin_open else {"session": session}
    context["training_class"] = session.training_class
    return render(request, "delivery/checkin_screen.html", context)


@login_required
@require_GET
def checkin_live(request, pk: int):
    """The part of the presenter's screen that changes: the QR code, the spoken code, who has checked in."""
    session = taught_session(request, pk)
    if not session.checkin_open:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("delivery:checkin", pk=session.pk)
    return render(request, "delivery/checkin_screen.html#live", live_context(request, session))


# The learner ----------------------------------------------------------------------------------------------


def outcome_page(request, session: ClassSession, *, done=None, error=None, status: int = 200):
    context = {"session": session, "training_class": session.training_class, "done": done, "error": error}
    return render(request, "delivery/checkin_result.html", context, status=status)


def refusal_status(error: checkin.Refused) -> int:
    if error.reason == checkin.NOT_ENROLLED:
        return 403
    if error.reason == checkin.LIMITED:
        return 429
    return 400


@login_required
@require_http_methods(["GET", "POST"])
def checkin_scan(request, pk: int, token: str):
    """Where the QR code leads: GET checks the code and asks to confirm; POST checks in."""
    session = visible_session(request, pk)
    try:
        if request.method == "POST":
            done = checkin.check_in_by_token(session, request.user, token)
            return outcome_page(request, session, done=done)
        enrolment = checkin.check_token(session, request.user, token)
    except checkin.Refused as error:
        return outcome_page(request, session, error=error, status=refusal_status(error))
    already = Attendance.objects.filter(session=session, enrolment=enrolment, present=True).first()
    context = {"session": session, "training_class": session.training_class, "enrolment": enrolment, "already": already}
    return render(request, "delivery/checkin_scan.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def checkin_code(request, pk: int):
    """The spoken code: the learner types the 6 digits the presenter reads out."""
    session = visible_session(request, pk)
    error, enrolment = None, None
    try:
        enrolment = checkin.ready(session, request.user)
    except checkin.Refused as refused:
        return outcome_page(request, session, error=refused, status=refusal_status(refused))
    if request.method == "POST":
        try:
            done = checkin.check_in_by_code(session, request.user, request.POST.get("code", ""))
        except checkin.Refused as refused:
            error = refused
        else:
            return outcome_page(request, session, done=done)
    already = Attendance.objects.filter(session=session, enrolment=enrolment, present=True).first()
    wait = checkin.wait_minutes(session, enrolment)
    if wait and error is None:
        error = checkin.Refused(checkin.limited_message(wait), reason=checkin.LIMITED)
    context = {
        "session": session,
        "training_class": session.training_class,
        "enrolment": enrolment,
        "error": error,
        "already": already,
        "wait": wait,
    }
    return render(request, "delivery/checkin_code.html", context, status=refusal_status(error) if error else 200)


urlpatterns = [
    path("sessions/<int:pk>/checkin", checkin_screen, name="checkin"),
    path("sessions/<int:pk>/checkin/live", checkin_live, name="checkin-live"),
    path("sessions/<int:pk>/code", checkin_code, name="checkin-code"),
    # Short: it is what the QR code holds (the fewer characters, the coarser and easier to scan the code).
    path("checkin/<int:pk>/<str:token>/", checkin_scan, name="checkin-scan"),
]
