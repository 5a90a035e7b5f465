"""Attendance of a class: the list of its sessions with who attended how many, the sheet of one session (a plain
form, one row per learner, keyboard first: Tab goes from learner to learner, the arrow keys choose), the printable
sign-in sheet, and the Excel import of many sessions at once. Those who teach the class (its runners and
presenters) write; others who see the class read the rows they may see (a principal: their school's people; a
learner: their own). Outside that, the class does not exist (404)."""

from collections import Counter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bdtx.lib.excel import XLSX_CONTENT_TYPE
from bdtx.lib.pdf import pdf_response
from bdtx.lib.spreadsheet import UnusableFile

from .. import attendance
from ..attendance_pdf import sign_in_sheet
from ..models import ClassSession, TrainingClass
from ..permissions import can_teach_class


def visible_class(request, pk: int) -> TrainingClass:
    return get_object_or_404(TrainingClass.objects.visible_to(request.user).select_related("organiser"), pk=pk)


def taught_class(request, pk: int) -> TrainingClass:
    """The class, if this user teaches it (runs it or presents it); else it does not exist for them."""
    training_class = visible_class(request, pk)
    if not can_teach_class(request.user, training_class):
        raise Http404
    return training_class


def visible_session(request, pk: int) -> ClassSession:
    return get_object_or_404(
        ClassSession.objects.filter(training_class__in=TrainingClass.objects.visible_to(request.user)).select_related(
            "training_class", "training_class__organiser"
        ),
        pk=pk,
    )


def file_part(text: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in text)


# The class's sessions -------------------------------------------------------------------------------------


@login_required
@require_GET
def attendance_list(request, pk: int):
    training_class = visible_class(request, pk)
    can_write = can_teach_class(request.user, training_class)
    sessions = list(training_class.sessions.order_by("date", "starts_at", "pk"))
    enrolments = list(attendance.learners(training_class, None if can_write else request.user))
    counts = attendance.session_counts(training_class)
    own = None if can_write else attendance.own_enrolment(training_class.pk, request.user)
    own_marks = {}
    if own is not None:
        own_marks = {
            row.session_id: attendance.mark_of(row.present, row.excused)
            for row in own.attendance.filter(session__in=sessions)
        }
    for session in sessions:
        session.counts = counts.get(session.pk, Counter())
        mark = own_marks.get(session.pk)
        if own is not None and mark is None and session.attendance_taken:
            mark = attendance.ABSENT
        session.own_mark = mark
        session.own_label = attendance.mark_label(mark) if mark else ""
    held = sum(1 for session in sessions if session.attendance_taken)
    needed = attendance.required_percent(training_class)
    per_learner = attendance.learner_counts(training_class, enrolments)
    rows = []
    for enrolment in enrolments:
        count = per_learner.get(enrolment.pk, Counter())
        counted = max(held - count[attendance.EXCUSED], 0)
        share = round(100 * count[attendance.PRESENT] / counted) if counted else None
        rows.append(
            {
                "enrolment": enrolment,
                "present": count[attendance.PRESENT],
                "excused": count[attendance.EXCUSED],
                "absent": counted - count[attendance.PRESENT],
                "share": share,
                "short": share is not None and count[attendance.PRESENT] * 100 < needed * counted,
            }
        )
    context = {
        "training_class": training_class,
        "sessions": sessions,
        "rows": rows,
        "held": held,
        "needed": needed,
        "can_write": can_write,
        "own": own,
        "enrolled": len(enrolments) if can_write else None,
    }
    return render(request, "delivery/attendance_list.html", context)


# The sheet of one session ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attendance_sheet(request, pk: int):
    session = visible_session(request, pk)
    training_class = session.training_class
    can_write = can_teach_class(request.user, training_class)
    if request.method == "POST" and not can_write:
        raise Http404
    enrolments = list(attendance.learners(training_class, None if can_write else request.user))
    errors, posted, stale, shown_posted, was_posted = [], {}, False, {}, {}
    if request.method == "POST":
        marks, shown_posted, was_posted, errors = attendance.read_sheet(request.POST, enrolments)
        posted = marks
        if not errors:
            try:
                counts = attendance.save_sheet(session, marks, by=request.user, shown=shown_posted, was=was_posted)
            except attendance.AttendanceError as error:
                errors, stale = [str(error)], isinstance(error, attendance.StaleAttendance)
            else:
                written = counts["created"] + counts["updated"]
                messages.success(
                    request,
                    _("Attendance of %(date)s saved: %(written)d records written, %(unchanged)d unchanged.")
                    % {"date": f"{session.date:%d/%m/%Y}", "written": written, "unchanged": counts["unchanged"]},
                )
                return redirect("delivery:attendance-sheet", pk=session.pk)
    recorded = attendance.session_marks(session, enrolments)
    default = attendance.default_mark(session)
    rows, tally = [], Counter()
    for number, enrolment in enumerate(enrolments, start=1):
        row = recorded.get(enrolment.pk)
        shown = attendance.mark_of(row.present, row.excused) if row else default
        was = attendance.mark_of(row.present, row.excused) if row else ""
        if stale:
            # The sheet keeps what it was loaded with: saving again is refused until it is reloaded.
            shown = shown_posted.get(enrolment.pk, shown)
            was = was_posted.get(enrolment.pk, was) or ""
        mark = posted.get(enrolment.pk, shown)
        tally[mark] += 1
        rows.append(
            {
                "number": number,
                "enrolment": enrolment,
                "field": attendance.field_name(enrolment.pk),
                "mark": mark,
                "shown": shown,
                "was": was,
                "label": attendance.mark_label(mark),
                "record": row,
            }
        )
    context = {
        "session": session,
        "training_class": training_class,
        "rows": rows,
        "tally": tally,
        "choices": [(mark, attendance.mark_label(mark)) for mark in attendance.MARKS],
        "can_write": can_write,
        "errors": errors,
        "stale": stale,
        "new_sheet": not session.attendance_taken,
    }
    status = 409 if stale else 400 if errors else 200
    return render(request, "delivery/attendance_sheet.html", context, status=status)


@login_required
@require_GET
def attendance_pdf(request, pk: int):
    session = visible_session(request, pk)
    if not can_teach_class(request.user, session.training_class):
        raise Http404
    enrolments = list(attendance.learners(session.training_class))
    document = sign_in_sheet(session, enrolments)
    name = f"ky-ten-{file_part(session.training_class.code)}-{session.date:%Y-%m-%d}-{session.starts_at:%H%M}.pdf"
    return pdf_response(document, name)


# Excel ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def attendance_template(request, pk: int):
    training_class = taught_class(request, pk)
    handle, _count = attendance.template_file(training_class)
    name = f"diem-danh-{file_part(training_class.code)}-{training_class.year}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        help_text=gettext_lazy(
            "The layout of the template: Mã định danh, Họ và tên, then one column per session headed by its date "
            "(dd/mm/yyyy). In each cell: x present, P excused, v or blank absent. A column with no mark at all is "
            "left as it is."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def attendance_import(request, pk: int):
    training_class = taught_class(request, pk)
    form = AttendanceImportForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check = attendance.check_import(training_class, upload.read(), upload.name)
        except UnusableFile as error:
            form.add_error("file", str(error))
        else:
            if check.outcome.errors:
                messages.error(
                    request, _("The file has errors; nothing was saved. Correct the cells below and upload it again.")
                )
            else:
                counts = attendance.apply_import(training_class, check, by=request.user)
                messages.success(request, attendance.import_summary(upload.name, check, counts))
                return redirect("delivery:attendance", pk=training_class.pk)
    context = {
        "training_class": training_class,
        "form": form,
        "outcome": check.outcome if check else None,
        "sessions": attendance.session_labels(training_class.sessions.order_by("date", "starts_at", "pk")).values(),
    }
    failed = bool(form.errors or (check and check.outcome.errors))
    return render(request, "delivery/attendance_import.html", context, status=400 if failed else 200)


urlpatterns = [
    path("<int:pk>/attendance", attendance_list, name="attendance"),
    path("<int:pk>/attendance.xlsx", attendance_template, name="attendance-template"),
    path("<int:pk>/attendance/import", attendance_import, name="attendance-import"),
    path("sessions/<int:pk>/attendance", attendance_sheet, name="attendance-sheet"),
    path("sessions/<int:pk>/sign-in.pdf", attendance_pdf, name="attendance-pdf"),
]
