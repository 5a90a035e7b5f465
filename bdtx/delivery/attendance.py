"""Attendance of a class's sessions (TT 19/2019 Điều 11: a learner must attend the share of sessions the rule
asks): the sheet a presenter fills in, the Excel import of many sessions at once, one learner checking in.

Every write comes through `write_marks`: rows written in bulk (a fixed number of queries whatever the number of
learners), the sessions marked as held, and the outcomes of the class's learners refreshed, in one transaction.
An excused absence does not count against the learner (delivery.outcomes)."""

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.excel import Col, table_file
from bdtx.lib.spreadsheet import Outcome, Spec, UnusableFile, read_table, shown
from bdtx.lib.text import clean, fold
from bdtx.rules.completion import completion_rule

from .models import Attendance, AttendanceMethod, ClassSession, Enrolment, EnrolmentStatus
from .outcomes import refresh_outcomes
from .workbooks import CODE_HEADER, learner_rows

PRESENT, ABSENT, EXCUSED = "present", "absent", "excused"
MARKS = (PRESENT, ABSENT, EXCUSED)
FLAGS = {PRESENT: (True, False), ABSENT: (False, False), EXCUSED: (False, True)}

NAME_HEADER = "Họ và tên"
# What people type in a session's column (compared without diacritics or case): the brief's words and the
# obvious variants ("có mặt", "vắng có phép").
CELL_WORDS = {
    "x": PRESENT,
    "co": PRESENT,
    "co mat": PRESENT,
    "1": PRESENT,
    "p": EXCUSED,
    "phep": EXCUSED,
    "co phep": EXCUSED,
    "vang co phep": EXCUSED,
    "v": ABSENT,
    "vang": ABSENT,
    "vang mat": ABSENT,
    "0": ABSENT,
    "": ABSENT,
}
LEARNER_FIELDS = (
    "training_class_id",
    "staff_id",
    "status",
    "staff__full_name",
    "staff__code",
    "staff__sort_key",
    "staff__unit_id",
    "staff__unit__code",
    "staff__unit__name",
)
TEMPLATE_MARKS = {PRESENT: "x", EXCUSED: "P", ABSENT: "v"}
_HEADING = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?:\s+(\d{1,2})\s*[:hH]\s*(\d{2}))?$")


class AttendanceError(Exception):
    """A write the rules refuse; str(error) says why and how to put it right, in the user's language."""


def mark_of(present: bool, excused: bool) -> str:
    return PRESENT if present else EXCUSED if excused else ABSENT


def mark_label(mark: str) -> str:
    return {PRESENT: _("Present"), ABSENT: _("Absent"), EXCUSED: _("Excused")}[mark]


def required_percent(training_class) -> int:
    if training_class.min_attendance_percent is not None:
        return training_class.min_attendance_percent
    return completion_rule().min_attendance_percent


# Reading ------------------------------------------------------------------------------------------------


def learners(training_class, user=None):
    """The enrolled learners of the class in Vietnamese name order (by given name); with `user`, only those
    whose enrolment the user may see (a principal: their school's people; a learner: themselves)."""
    enrolments = Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
    if user is not None:
        enrolments = enrolments.visible_to(user)
    # Only what a sheet shows: a person's record has dozens of fields, and a sheet of hundreds would load them all.
    return enrolments.select_related("staff", "staff__unit").only(*LEARNER_FIELDS).order_by("staff__sort_key", "pk")


def own_enrolment(training_class_id: int, user) -> Enrolment | None:
    """The user's own enrolment in the class, if they are enrolled (not waiting, not withdrawn)."""
    from bdtx.appraisals.permissions import own_staff

    member = own_staff(user)
    if member is None:
        return None
    return (
        Enrolment.objects.filter(training_class_id=training_class_id, staff=member, status=EnrolmentStatus.ENROLLED)
        .select_related("staff")
        .first()
    )


def session_marks(session: ClassSession, enrolments) -> dict[int, Attendance]:
    """{enrolment id: attendance} of the session, in one query."""
    return {
        row.enrolment_id: row
        for row in Attendance.objects.filter(session=session, enrolment_id__in=[e.pk for e in enrolments])
    }


def default_mark(session: ClassSession) -> str:
    """A learner with no record yet: present on a new sheet (the usual case: mark the few who are away); absent
    once the session's attendance is taken (e.g. by check-in, which only the present make)."""
    return ABSENT if session.attendance_taken else PRESENT


def session_counts(training_class) -> dict[int, Counter]:
    """{session id: Counter(present=…, excused=…, absent=…)} of the enrolled learners, in one query."""
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = (
        Attendance.objects.filter(session__training_class=training_class, enrolment__status=EnrolmentStatus.ENROLLED)
        .values("session")
        .annotate(
            n_present=Count("pk", filter=Q(present=True)),
            n_excused=Count("pk", filter=Q(present=False, excused=True)),
            n_absent=Count("pk", filter=Q(present=False, excused=False)),
        )
    )
    for row in rows:
        counts[row["session"]].update({PRESENT: row["n_present"], EXCUSED: row["n_excused"], ABSENT: row["n_absent"]})
    return counts


def learner_counts(training_class, enrolments) -> dict[int, Counter]:
    """{enrolment id: Counter(present=…, excused=…)} over the sessions held, in one query."""
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = (
        Attendance.objects.filter(enrolment_id__in=[e.pk for e in enrolments], session__attendance_taken=True)
        .values("enrolment")
        .annotate(
            n_present=Count("pk", filter=Q(present=True)),
            n_excused=Count("pk", filter=Q(present=False, excused=True)),
        )
    )
    for row in rows:
        counts[row["enrolment"]].update({PRESENT: row["n_present"], EXCUSED: row["n_excused"]})
    return counts


# Writing ------------------------------------------------------------------------------------------------


@transaction.atomic
def write_marks(
    training_class,
    marks: Mapping[tuple[int, int], str],
    *,
    by=None,
    method: str = AttendanceMethod.SHEET,
    keep: Iterable[tuple[int, int]] = (),
    expected: Mapping[tuple[int, int], str | None] | None = None,
) -> dict[str, int]:
    """Record attendance of the class: {(session id, enrolment id): "present" | "absent" | "excused"}. Rows that
    differ are written in bulk (method and recorded_by set on them; unchanged rows keep theirs), the sessions are
    marked as held, and the outcomes of every learner of the class are refreshed, all in this transaction.
    Keys in `keep` are written only where there is no record yet (a sheet row the person left as it was shown
    must not undo a check-in made meanwhile). `expected` ({key: the mark as the person read it, None: no record}):
    StaleAttendance, nothing written, if any of those records changed since (and is not already the mark wanted).
    AttendanceError (nothing written) for a learner not enrolled here, a session of another class or a bad mark."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if not marks:
        return counts
    session_ids = {s for s, _e in marks}
    enrolment_ids = {e for _s, e in marks}
    if any(mark not in FLAGS for mark in marks.values()):
        raise AttendanceError(_("Mark each learner present, absent or excused."))
    known_sessions = set(
        ClassSession.objects.filter(pk__in=session_ids, training_class=training_class).values_list("pk", flat=True)
    )
    if session_ids - known_sessions:
        raise AttendanceError(_("Some sessions are no longer in this class. Reload the page and try again."))
    enrolled = list(
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED).values_list(
            "pk", flat=True
        )
    )
    if enrolment_ids - set(enrolled):
        raise AttendanceError(
            _("Some learners are not enrolled in this class any more. Reload the page and try again.")
        )
    existing = {
        (row.session_id, row.enrolment_id): row
        # The rows of these sessions are all of this class: no long list of learners in the query.
        for row in Attendance.objects.select_for_update()
        .filter(session_id__in=session_ids)
        .only("pk", "session_id", "enrolment_id", "present", "excused")
    }
    keep = set(keep)
    if expected:
        _refuse_changed(existing, {key: mark for key, mark in marks.items() if key not in keep}, expected)
    create: list[Attendance] = []
    change: dict[str, list[int]] = defaultdict(list)  # mark → ids of the rows to set to it
    for key, mark in marks.items():
        session_id, enrolment_id = key
        present, excused = FLAGS[mark]
        row = existing.get(key)
        if row is not None and key in keep:
            counts["unchanged"] += 1
        elif row is None:
            create.append(
                Attendance(
                    session_id=session_id,
                    enrolment_id=enrolment_id,
                    present=present,
                    excused=excused,
                    method=method,
                    recorded_by=by,
                )
            )
        elif (row.present, row.excused) != (present, excused):
            change[mark].append(row.pk)
        else:
            counts["unchanged"] += 1
    if create:
        Attendance.objects.bulk_create(create, batch_size=500)
    # One UPDATE per mark (at most three) rather than a CASE per row: the same effect, far less SQL.
    now = timezone.now()
    for mark, ids in change.items():
        present, excused = FLAGS[mark]
        Attendance.objects.filter(pk__in=ids).update(
            present=present, excused=excused, method=method, recorded_by=by, recorded_at=now
        )
    newly_held = ClassSession.objects.filter(pk__in=session_ids, attendance_taken=False).update(attendance_taken=True)
    counts["created"] = len(create)
    counts["updated"] = sum(len(ids) for ids in change.values())
    if create or change or newly_held:
        # A session newly held changes every learner's share, not only the rows written.
        refresh_outcomes(enrolled)
    return counts


class StaleAttendance(AttendanceError):
    """Records someone else changed since the person read them: nothing is written."""


def _refuse_changed(existing: Mapping, marks: Mapping, expected: Mapping) -> None:
    """StaleAttendance naming the learners whose record of the session is no longer the one read (and not already
    the mark wanted): the whole sheet is refused, so that an old screen never undoes a colleague's newer mark."""
    changed = []
    for key, was in expected.items():
        if key not in marks:
            continue
        row = existing.get(key)
        now = mark_of(row.present, row.excused) if row is not None else None
        if now != was and now != marks[key]:
            changed.append((key[1], now))
    if not changed:
        return
    enrolments = Enrolment.objects.filter(pk__in=[e for e, _now in changed]).select_related("staff").in_bulk()
    changed.sort(key=lambda item: (enrolments[item[0]].staff.sort_key, item[0]))
    names = []
    for enrolment_id, now in changed:
        staff = enrolments[enrolment_id].staff
        values = {"name": staff.full_name, "code": staff.code}
        if now is None:
            names.append(_("%(name)s (%(code)s): record removed") % values)
        else:
            names.append(_("%(name)s (%(code)s): now %(mark)s") % {**values, "mark": mark_label(now).lower()})
    raise StaleAttendance(
        ngettext(
            "Someone else recorded this learner's attendance since you opened the sheet: %(names)s. Nothing was "
            "saved. Reload the page to see the attendance as it is now, then make your changes again.",
            "Someone else recorded these learners' attendance since you opened the sheet: %(names)s. Nothing was "
            "saved. Reload the page to see the attendance as it is now, then make your changes again.",
            len(changed),
        )
        % {"names": "; ".join(names)}
    )


def save_sheet(
    session: ClassSession,
    marks: Mapping[int, str],
    *,
    by=None,
    shown: Mapping[int, str] | None = None,
    was: Mapping[int, str | None] | None = None,
) -> dict[str, int]:
    """The attendance sheet of one session: {enrolment id: mark}. With `shown` (the marks the sheet showed), a
    row left as shown does not overwrite a record made meanwhile (a check-in). With `was` ({enrolment id: the
    record's mark as the sheet read it, None: no record}), a row changed by the person is refused (StaleAttendance)
    if its record changed since. See write_marks."""
    shown = shown or {}
    return write_marks(
        session.training_class,
        {(session.pk, enrolment_id): mark for enrolment_id, mark in marks.items()},
        by=by,
        method=AttendanceMethod.SHEET,
        keep=[(session.pk, e) for e, mark in marks.items() if shown.get(e) == mark],
        expected={(session.pk, e): mark for e, mark in (was or {}).items()},
    )


def read_sheet(data: Mapping, enrolments) -> tuple[dict[int, str], dict[int, str], dict[int, str | None], list[str]]:
    """The posted sheet: ({enrolment id: mark} for every learner shown, {enrolment id: mark as the sheet showed
    it}, {enrolment id: the record's mark as the sheet read it, None: no record yet}, errors naming the learner)."""
    shown: dict[int, str] = {}
    was: dict[int, str | None] = {}
    for enrolment in enrolments:
        value = data.get(f"shown-{enrolment.pk}")
        if value in FLAGS:
            shown[enrolment.pk] = value
        value = data.get(f"was-{enrolment.pk}")
        if value is not None:
            was[enrolment.pk] = value if value in FLAGS else None
    marks, errors = {}, []
    for enrolment in enrolments:
        value = data.get(field_name(enrolment.pk))
        if value is None:
            continue  # enrolled after the page was loaded: left as it is
        if value not in FLAGS:
            errors.append(
                _("%(name)s (%(code)s): choose present, absent or excused.")
                % {"name": enrolment.staff.full_name, "code": enrolment.staff.code}
            )
            continue
        marks[enrolment.pk] = value
    return marks, shown, was, errors


def field_name(enrolment_id: int) -> str:
    return f"a-{enrolment_id}"


# Excel ----------------------------------------------------------------------------------------------------


def session_labels(sessions: Iterable[ClassSession]) -> dict[int, str]:
    """{session id: its column heading}: dd/mm/yyyy, or "dd/mm/yyyy HH:MM" when two sessions share the date."""
    sessions = list(sessions)
    per_day = Counter(session.date for session in sessions)
    return {
        session.pk: (
            f"{session.date:%d/%m/%Y} {session.starts_at:%H:%M}"
            if per_day[session.date] > 1
            else f"{session.date:%d/%m/%Y}"
        )
        for session in sessions
    }


def template_file(training_class):
    """The class as a workbook: Mã định danh, Họ và tên, one column per session (x present, P excused, v absent
    where attendance is taken; blank where it is not yet)."""
    sessions = list(training_class.sessions.order_by("date", "starts_at", "pk"))
    labels = session_labels(sessions)
    enrolments = list(learners(training_class))
    recorded = {
        (row.session_id, row.enrolment_id): mark_of(row.present, row.excused)
        for row in Attendance.objects.filter(
            session__training_class=training_class, enrolment_id__in=[e.pk for e in enrolments]
        ).only("session_id", "enrolment_id", "present", "excused")
    }
    columns = [Col(CODE_HEADER, width=16), Col(NAME_HEADER, width=30)]
    columns += [Col(labels[session.pk], width=17 if " " in labels[session.pk] else 12) for session in sessions]

    def rows():
        for enrolment in enrolments:
            row: list[object] = [enrolment.staff.code, enrolment.staff.full_name]
            for session in sessions:
                mark = recorded.get((session.pk, enrolment.pk))
                if mark is None and session.attendance_taken:
                    mark = ABSENT
                row.append(TEMPLATE_MARKS[mark] if mark else "")
            yield row

    return table_file(columns, rows(), sheet="Điểm danh")


def parse_mark(value: object) -> str:
    """A cell of a session's column: x / có / 1 present, P / phép excused, blank / v / vắng / 0 absent."""
    if isinstance(value, bool):
        return PRESENT if value else ABSENT
    if isinstance(value, (int, float)) and value in (0, 1):
        return PRESENT if value == 1 else ABSENT
    mark = CELL_WORDS.get(fold(shown(value) if not isinstance(value, str) else value))
    if mark is None:
        raise Invalid(
            _("“%(value)s” is not an attendance mark. Type x (present), P (excused absence) or v (absent).")
            % {"value": shown(value)}
        )
    return mark


def parse_heading(value: object) -> tuple[dt.date, dt.time | None] | None:
    """A session column's heading: dd/mm/yyyy or "dd/mm/yyyy HH:MM" (or a date cell); None if it is not a date,
    so the column is not a session's (another column, ignored); Invalid for a date that does not exist."""
    if isinstance(value, dt.datetime):
        return value.date(), (value.time() if value.time() != dt.time(0) else None)
    if isinstance(value, dt.date):
        return value, None
    if not isinstance(value, str):
        return None
    match = _HEADING.match(clean(value))
    if not match:
        return None
    day, month, year, hour, minute = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
        time = dt.time(int(hour), int(minute)) if hour is not None else None
    except ValueError:
        raise Invalid(
            _("“%(value)s” is not a real date and time. Head a session's column dd/mm/yyyy or dd/mm/yyyy HH:MM.")
            % {"value": clean(value)}
        ) from None
    return date, time


@dataclass
class ImportCheck:
    """What the check of a file found: every error, the marks to write, and what to tell the person."""

    outcome: Outcome
    marks: dict[tuple[int, int], str] = field(default_factory=dict)
    sessions: list[ClassSession] = field(default_factory=list)  # the sessions with marks in the file
    skipped: list[str] = field(default_factory=list)  # headings of session columns left blank (left as they are)
    learners: int = 0


def check_import(training_class, data: bytes, name: str) -> ImportCheck:
    """Read and check a filled-in attendance workbook: every row and every session column, before anything is
    written. UnusableFile when the file cannot be read or has no column of this class's sessions."""
    sessions = list(training_class.sessions.order_by("date", "starts_at", "pk"))
    labels = session_labels(sessions)
    table = read_table(data, [Spec(CODE_HEADER, "code", required=True), Spec(NAME_HEADER, "name")], name=name)
    outcome = Outcome()
    header_cells = table.raw_rows[table.header_row - 1]
    known_columns = set(table.columns.values())
    columns: list[tuple[int, ClassSession, str]] = []  # (column index, session, heading as written)
    taken: dict[int, str] = {}
    for index, heading in enumerate(header_cells):
        if index in known_columns or cells.is_blank(heading):
            continue
        try:
            parsed = parse_heading(heading)
        except Invalid as error:
            outcome.error(table.header_row, shown(heading), str(error))
            continue
        if parsed is None:
            continue  # another column (Đơn vị, Ghi chú…): ignored
        written = shown(heading) if isinstance(heading, str) else _heading_text(*parsed)
        day, time = parsed
        same_day = [session for session in sessions if session.date == day]
        if time is not None:
            same_day = [session for session in same_day if session.starts_at.replace(second=0) == time]
        if not same_day:
            outcome.error(table.header_row, written, _no_session(day, time, sessions, labels))
            continue
        if len(same_day) > 1:
            outcome.error(
                table.header_row,
                written,
                _("The class has %(count)d sessions on %(date)s. Add the start time to the heading: %(headings)s.")
                % {
                    "count": len(same_day),
                    "date": f"{day:%d/%m/%Y}",
                    "headings": ", ".join(f"“{labels[session.pk]}”" for session in same_day),
                },
            )
            continue
        session = same_day[0]
        if session.pk in taken:
            outcome.error(
                table.header_row,
                written,
                _("The session %(session)s has two columns (“%(first)s” and this one). Keep one column per session.")
                % {"session": labels[session.pk], "first": taken[session.pk]},
            )
            continue
        taken[session.pk] = written
        columns.append((index, session, written))
    if not columns and not outcome.errors:
        raise UnusableFile(
            _(
                "No column is headed by the date of a session of this class. Head each session's column by its date "
                "as dd/mm/yyyy (download the template): %(headings)s."
            )
            % {"headings": ", ".join(labels[session.pk] for session in sessions) or "—"}
        )
    enrolled = {
        enrolment.staff.code.casefold(): enrolment
        for enrolment in Enrolment.objects.filter(
            training_class=training_class, status=EnrolmentStatus.ENROLLED
        ).select_related("staff")
    }
    check = ImportCheck(outcome=outcome)
    values: dict[int, dict[int, str]] = defaultdict(dict)  # session id → enrolment id → mark
    filled: set[int] = set()  # sessions with at least one mark typed
    matched = 0
    width = max(index for index, _session, _heading in columns) + 1 if columns else 0
    for number, _raw, enrolment in learner_rows(table, enrolled, outcome):
        matched += 1
        row_cells = table.raw_rows[number - 1]
        row_cells = list(row_cells) + [""] * (width - len(row_cells))
        for index, session, heading in columns:
            value = row_cells[index]
            try:
                mark = parse_mark(value)
            except Invalid as error:
                outcome.error(number, heading, str(error))
                continue
            if not cells.is_blank(value):
                filled.add(session.pk)
            values[session.pk][enrolment.pk] = mark
    check.learners = matched
    for _index, session, heading in columns:
        if session.pk in filled:
            check.sessions.append(session)
            for enrolment_id, mark in values[session.pk].items():
                check.marks[(session.pk, enrolment_id)] = mark
        else:
            check.skipped.append(heading)  # nothing typed in the whole column: a session not taken yet
    return check


def _heading_text(day: dt.date, time: dt.time | None) -> str:
    return f"{day:%d/%m/%Y} {time:%H:%M}" if time else f"{day:%d/%m/%Y}"


def _no_session(day: dt.date, time: dt.time | None, sessions, labels) -> str:
    return _(
        "The class has no session on %(when)s. Head the column with the date of one of its sessions (%(headings)s), "
        "or download the template again."
    ) % {"when": _heading_text(day, time), "headings": ", ".join(labels[s.pk] for s in sessions) or "—"}


def apply_import(training_class, check: ImportCheck, *, by=None) -> dict[str, int]:
    """Write a checked file in one transaction (nothing when it has errors). Returns the counts written and the
    marks: created, updated, unchanged, present, absent, excused."""
    if check.outcome.errors:
        raise AttendanceError(_("The file has errors; nothing was saved."))
    counts = write_marks(training_class, check.marks, by=by, method=AttendanceMethod.IMPORT)
    tally = Counter(check.marks.values())
    return {**counts, PRESENT: tally[PRESENT], ABSENT: tally[ABSENT], EXCUSED: tally[EXCUSED]}


def import_summary(file_name: str, check: ImportCheck, counts: Mapping[str, int]) -> str:
    text = ngettext(
        "Saved from %(file)s: %(sessions)d session, %(learners)d learners (%(present)d present, %(absent)d absent, "
        "%(excused)d excused); %(created)d records added, %(updated)d changed, %(unchanged)d unchanged.",
        "Saved from %(file)s: %(sessions)d sessions, %(learners)d learners (%(present)d present, %(absent)d absent, "
        "%(excused)d excused); %(created)d records added, %(updated)d changed, %(unchanged)d unchanged.",
        len(check.sessions),
    ) % {
        "file": file_name,
        "sessions": len(check.sessions),
        "learners": check.learners,
        "present": counts[PRESENT],
        "absent": counts[ABSENT],
        "excused": counts[EXCUSED],
        "created": counts["created"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
    }
    if check.skipped:
        text += " " + _("Columns with no mark, left as they were: %(headings)s.") % {
            "headings": ", ".join(check.skipped)
        }
    return text


# One learner (check-in) -----------------------------------------------------------------------------------


@transaction.atomic
def record_presence(session: ClassSession, enrolment: Enrolment, *, method: str, by=None) -> bool:
    """Mark one learner present at a session (check-in by QR or code). Returns False if they already were."""
    row = Attendance.objects.select_for_update().filter(session=session, enrolment=enrolment).first()
    if row is not None and row.present:
        return False
    if row is None:
        Attendance.objects.create(
            session=session, enrolment=enrolment, present=True, excused=False, method=method, recorded_by=by
        )
    else:
        row.present, row.excused, row.method, row.recorded_by = True, False, method, by
        row.save(update_fields=["present", "excused", "method", "recorded_by", "recorded_at"])
    newly_held = ClassSession.objects.filter(pk=session.pk, attendance_taken=False).update(attendance_taken=True)
    if newly_held:
        session.attendance_taken = True
        refresh_outcomes(
            session.training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).values_list("pk", flat=True)
        )
    else:
        refresh_outcomes([enrolment.pk])
    return True
