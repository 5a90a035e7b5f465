"""Results from an LMS (issue 5, point 4): Moodle's grade export or course completion export (CSV or .xlsx),
or rows an LMS pushes through the API. Each row is matched to a learner of the class by Mã định danh (Moodle's
"ID number") or e-mail; the rows that cannot be matched are listed with the reason; the matched scores are
written in one transaction (source: LMS) through scoring.save_scores, which refreshes the outcomes.

A completion without a score (Moodle's completion export, or a push with "completed" and no "score") gives
the full mark (10) on the test when complete; a learner not complete gets no score there (the test stays
missing for them), rather than a 0 that would fail them before they finish."""

import dataclasses
import re
from collections import defaultdict
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.spreadsheet import UnusableFile, read_rows, shown
from bdtx.lib.text import clean, header_key
from bdtx.staff.models import StaffMember

from .models import AssessmentKind, Enrolment, EnrolmentStatus, LmsImport, ScoreSource
from .scoring import ScoreError, add_test, parse_score, remove_test, save_scores, scale_max, score_text

HEADER_SEARCH_ROWS = 20
DEFAULT_TITLE = "Kết quả LMS"
# Header keys (bdtx.lib.text.header_key) of Moodle's columns, in English and Vietnamese.
EMAIL_KEYS = {"emailaddress", "email", "diachiemail", "thudientu", "diachithudientu", "mail"}
ID_KEYS = {"idnumber", "soid", "maid", "madinhdanh", "masoid"}
FIRST_KEYS = {"firstname", "ten"}
LAST_KEYS = {"lastname", "ho", "hovatendem", "hodem"}
NAME_KEYS = {"fullname", "hovaten"}
OTHER_KEYS = {"institution", "department", "lastdownloadedfromthiscourse", "username", "tendangnhap", "coquan", "phong"}
COMPLETE_WORDS = {
    "completed",
    "complete",
    "yes",
    "y",
    "x",
    "1",
    "true",
    "hoanthanh",
    "dahoanthanh",
    "co",
    "dat",
    "done",
}
INCOMPLETE_WORDS = {"", "notcompleted", "incomplete", "no", "n", "0", "false", "chuahoanthanh", "khong", "chuadat"}
_DATE_LIKE = re.compile(r"\d{1,4}[/\-.]\d{1,2}[/\-.]\d{1,4}|\d{4}")


@dataclasses.dataclass
class ExportFile:
    """An LMS export as read: the header row, the columns that identify people, and the data rows."""

    header_row: int
    headers: list[str]
    email: int | None
    code: int | None
    names: list[int]
    rows: list[tuple[int, list[object]]]

    def result_columns(self) -> list[int]:
        """The columns a score or a completion may be read from (not those that identify people)."""
        skip = {self.email, self.code, *self.names}
        return [
            index
            for index, header in enumerate(self.headers)
            if index not in skip and header and header_key(header) not in OTHER_KEYS
        ]

    def guess(self) -> int | None:
        """The column most likely meant: Moodle's course total (its real value), else the course completion,
        else the first real-valued grade, else the first result column."""
        columns = self.result_columns()
        keys = {index: header_key(self.headers[index]) for index in columns}
        for test in (
            lambda key: "coursetotal" in key and key.endswith("real"),
            lambda key: "tongdiemkhoahoc" in key and key.endswith("real"),
            lambda key: "coursetotal" in key or "tongdiem" in key,
            lambda key: "coursecomplete" in key,
            lambda key: key.endswith("real"),
        ):
            for index in columns:
                if test(keys[index]):
                    return index
        return columns[0] if columns else None


def is_completion(header: str) -> bool:
    """A column of completion states rather than of scores ("Course complete", "Hoàn thành khoá học")."""
    key = header_key(header)
    return "complete" in key or "hoanthanh" in key


def read_export(data: bytes, name: str) -> ExportFile:
    """Find the header row (it names an e-mail or an ID number column) and the data rows under it."""
    rows = read_rows(data, name=name)
    for index, cells_ in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [header_key(cell) if isinstance(cell, str) else "" for cell in cells_]
        email = next((i for i, key in enumerate(keys) if key in EMAIL_KEYS), None)
        code = next((i for i, key in enumerate(keys) if key in ID_KEYS), None)
        if email is None and code is None:
            continue
        names = [i for i, key in enumerate(keys) if key in FIRST_KEYS | LAST_KEYS | NAME_KEYS]
        data_rows = [
            (number, list(row))
            for number, row in enumerate(rows[index + 1 :], start=index + 2)
            if any(not cells.is_blank(cell) for cell in row)
        ]
        return ExportFile(
            header_row=index + 1,
            headers=[clean(cell) if isinstance(cell, str) else shown(cell) for cell in cells_],
            email=email,
            code=code,
            names=names,
            rows=data_rows,
        )
    raise UnusableFile(
        _(
            "No column of e-mail addresses or ID numbers found in the first %(count)d rows. Export the grades "
            "from Moodle with “Email address” (or “ID number” holding the Mã định danh) and upload the file again."
        )
        % {"count": HEADER_SEARCH_ROWS}
    )


def read_completion(value: object) -> bool:
    """A cell of a completion column: "Completed", "Hoàn thành", a date (when it was completed) → True;
    blank, "-", "Not completed" → False."""
    if value is True or value is False:
        return value
    if hasattr(value, "year"):  # a date cell: the day it was completed
        return True
    raw = clean(shown(value))
    key = header_key(raw)
    if raw in ("-", "–") or key in INCOMPLETE_WORDS:
        return False
    if key in COMPLETE_WORDS or key.startswith(("completed", "dahoanthanh")):
        return True
    if _DATE_LIKE.search(raw):  # Moodle writes the completion date ("5/10/27, 10:00" or "Thursday, 5 October…")
        return True
    raise Invalid(
        _("“%(value)s” is not a completion state: expected Completed / Not completed (Hoàn thành / Chưa hoàn thành).")
        % {"value": raw}
    )


@dataclasses.dataclass
class Row:
    """One row to match: its number (the spreadsheet's, or the position in a pushed list), who, and the result."""

    row: int
    email: str = ""
    code: str = ""
    name: str = ""
    score: Decimal | None = None
    completed: bool | None = None
    problem: str = ""  # the result cannot be read: the row is unmatched with this message


def rows_of(export: ExportFile, column: int) -> list[Row]:
    """The rows of a file with the result read from `column` (a score, or a completion state)."""
    completion = is_completion(export.headers[column])
    result = []
    for number, cells_ in export.rows:

        def cell(index, cells_=cells_):
            return cells_[index] if index is not None and index < len(cells_) else ""

        row = Row(
            row=number,
            email=clean(cell(export.email)).lower(),
            code=clean(shown(cell(export.code))),
            name=" ".join(clean(cell(index)) for index in export.names if clean(cell(index))),
        )
        value = cell(column)
        try:
            if completion:
                row.completed = read_completion(value)
            elif cells.is_blank(value) or clean(shown(value)) in ("-", "–"):
                row.problem = _("No score in this row (the column “%(column)s” is empty).") % {
                    "column": export.headers[column]
                }
            else:
                row.score = parse_score(value)
        except Invalid as error:
            row.problem = str(error)
        result.append(row)
    return result


def match(training_class, rows: list[Row]) -> tuple[list[dict], list[dict]]:
    """Match rows to the class's learners: by Mã định danh (ID number) first, else by e-mail (ignoring case).
    (matched, unmatched): matched {"row", "enrolment", "name", "code", "score", "completed"} (score as text,
    or None: nothing to write), unmatched {"row", "key", "message"} with the reason."""
    codes = {row.code.casefold() for row in rows if row.code}
    emails = {row.email for row in rows if row.email}
    by_code: dict[str, list[StaffMember]] = defaultdict(list)
    by_email: dict[str, list[StaffMember]] = defaultdict(list)
    if codes:
        for member in StaffMember.objects.annotate(code_ci=Lower("code")).filter(code_ci__in=codes):
            by_code[member.code.casefold()].append(member)
    if emails:
        for member in StaffMember.objects.annotate(email_ci=Lower("email")).filter(email_ci__in=emails):
            by_email[member.email.lower()].append(member)
    enrolled = dict(
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED).values_list(
            "staff_id", "pk"
        )
    )
    matched, unmatched, seen = [], [], {}
    for row in rows:
        key = row.code or row.email
        if not key:
            message = _("No e-mail and no ID number: the person cannot be found.")
            unmatched.append({"row": row.row, "key": "", "message": message})
            continue
        found = by_code.get(row.code.casefold(), []) if row.code else []
        if not found and row.email:
            found = by_email.get(row.email, [])
            if len(found) > 1:
                in_class = [member for member in found if member.pk in enrolled]
                if len(in_class) != 1:
                    unmatched.append(
                        {
                            "row": row.row,
                            "key": key,
                            "message": _(
                                "%(count)d people have the e-mail %(email)s: add their ID number (Mã định danh) "
                                "to tell them apart."
                            )
                            % {"count": len(found), "email": row.email},
                        }
                    )
                    continue
                found = in_class
        if not found:
            unmatched.append(
                {
                    "row": row.row,
                    "key": key,
                    "message": _("Nobody in the staff registry has this ID number or e-mail%(name)s.")
                    % {"name": f" ({row.name})" if row.name else ""},
                }
            )
            continue
        member = found[0]
        enrolment = enrolled.get(member.pk)
        if enrolment is None:
            unmatched.append(
                {
                    "row": row.row,
                    "key": key,
                    "message": _("%(name)s (%(code)s) is not enrolled in this class.")
                    % {"name": member.full_name, "code": member.code},
                }
            )
            continue
        if row.problem:
            unmatched.append({"row": row.row, "key": key, "message": row.problem})
            continue
        if enrolment in seen:
            unmatched.append(
                {
                    "row": row.row,
                    "key": key,
                    "message": _("%(name)s is also in row %(row)d; the first row is used.")
                    % {"name": member.full_name, "row": seen[enrolment]},
                }
            )
            continue
        seen[enrolment] = row.row
        score = row.score
        if score is None and row.completed:
            score = scale_max()
        matched.append(
            {
                "row": row.row,
                "enrolment": enrolment,
                "name": member.full_name,
                "code": member.code,
                "score": None if score is None else str(score),
                "completed": row.completed,
            }
        )
    return matched, unmatched


def lms_tests(training_class):
    return training_class.assessments.filter(kind=AssessmentKind.LMS).order_by("position", "pk")


def lms_test(training_class, *, test_id: int | None = None, title: str = ""):
    """The LMS test to fill: the one chosen (an LMS test of the class), else the LMS test named `title` (made if
    there is none), else the class's first LMS test, else a new "Kết quả LMS". ScoreError when the chosen one is
    not an LMS test of the class."""
    if test_id is not None:
        test = lms_tests(training_class).filter(pk=test_id).first()
        if test is None:
            raise ScoreError(_("The test chosen is not an LMS test of this class. Reload the page and choose again."))
        return test
    if clean(title):
        existing = next((t for t in lms_tests(training_class) if header_key(t.title) == header_key(title)), None)
        return existing or add_test(training_class, title=title, kind=AssessmentKind.LMS)
    return lms_tests(training_class).first() or add_test(training_class, title=DEFAULT_TITLE, kind=AssessmentKind.LMS)


def recheck(lms_import: LmsImport, column: int | None = None) -> ExportFile:
    """Read the stored file again and match it with the result column chosen (or the likeliest one)."""
    with lms_import.file.open("rb") as handle:
        export = read_export(handle.read(), lms_import.original_name)
    choices = export.result_columns()
    if column is None or column not in choices:
        column = export.guess()
    if column is None:
        raise UnusableFile(_("The file has no column besides the names and e-mails: export the grades too."))
    matched, unmatched = match(lms_import.training_class, rows_of(export, column))
    header = export.headers[column]
    lms_import.rows = len(export.rows)
    lms_import.matched = [{**entry, "column": column, "header": header} for entry in matched]
    lms_import.unmatched = [{**entry, "column": column, "header": header} for entry in unmatched]
    lms_import.save(update_fields=["rows", "matched", "unmatched"])
    return export


def chosen_column(lms_import: LmsImport) -> int | None:
    """The result column of the last check (kept on its rows)."""
    entries = (lms_import.matched or []) + (lms_import.unmatched or [])
    return entries[0].get("column") if entries else None


@transaction.atomic
def start_import(training_class, *, data: bytes, name: str, test, by) -> LmsImport:
    """Keep the uploaded file and check it (nothing is written to the scores yet). UnusableFile if unreadable."""
    read_export(data, name)  # refuse an unusable file before keeping it
    lms_import = LmsImport(training_class=training_class, assessment=test, original_name=name[:255], uploaded_by=by)
    lms_import.file.save(name[-100:], ContentFile(data), save=False)
    lms_import.save()
    recheck(lms_import)
    return lms_import


@transaction.atomic
def apply_import(lms_import: LmsImport, *, by) -> dict[str, int]:
    """Write the matched scores of a checked import in one transaction; refused if it was applied already."""
    locked = LmsImport.objects.select_for_update().get(pk=lms_import.pk)
    if locked.applied_at is not None:
        raise ScoreError(_("This file was applied already."))
    entries = {
        (entry["enrolment"], lms_import.assessment_id): Decimal(entry["score"])
        for entry in lms_import.matched
        if entry.get("score") is not None
    }
    counts = save_scores(lms_import.training_class, entries, by=by, source=ScoreSource.LMS)
    lms_import.applied_at = timezone.now()
    lms_import.save(update_fields=["applied_at"])
    return counts


@transaction.atomic
def cancel_import(lms_import: LmsImport, *, drop_test: bool = False) -> None:
    """Forget a checked import; nothing was written. With `drop_test` (the LMS test was made for this import),
    the test goes too if nothing else uses it."""
    if lms_import.applied_at is not None:
        raise ScoreError(_("This file was applied already; change the scores on the score sheet."))
    test = lms_import.assessment
    lms_import.file.delete(save=False)
    lms_import.delete()
    if (
        drop_test
        and test.kind == AssessmentKind.LMS
        and not test.scores.exists()
        and not LmsImport.objects.filter(assessment=test).exists()
    ):
        remove_test(test)


@dataclasses.dataclass
class PushError(Exception):
    """Rows of a push that cannot be used: nothing was written."""

    errors: list[dict]


def push(training_class, items: list[dict], *, by, test=None) -> dict:
    """Results an LMS sends ([{"email" or "code", "score", "completed"}]): all or nothing. PushError with every
    row's problem ({"row", "key", "message"}, row counted from 1); else the counts written."""
    rows, not_objects = [], []
    for number, item in enumerate(items, start=1):
        row = Row(row=number)
        if not isinstance(item, dict):
            message = _("Each item must be an object with “email” or “code”.")
            not_objects.append({"row": number, "key": "", "message": message})
            continue
        row.email = clean(item.get("email")).lower()
        row.code = clean(item.get("code"))
        try:
            row.score = parse_score(item.get("score"))
            completed = item.get("completed")
            row.completed = None if completed is None else read_completion(completed)
        except Invalid as error:
            row.problem = str(error)
        rows.append(row)
    matched, errors = match(training_class, rows)
    errors += not_objects
    if errors:
        raise PushError(sorted(errors, key=lambda error: error["row"]))
    with transaction.atomic():
        test = test or lms_test(training_class)
        entries = {
            (entry["enrolment"], test.pk): Decimal(entry["score"]) for entry in matched if entry["score"] is not None
        }
        counts = save_scores(training_class, entries, by=by, source=ScoreSource.LMS)
    return {
        "test": test.pk,
        "rows": len(items),
        "written": counts["created"] + counts["updated"],
        "unchanged": counts["unchanged"],
        "without_score": sum(1 for entry in matched if entry["score"] is None),
    }


def describe(entry: dict) -> str:
    """A matched row's result as shown in the preview."""
    if entry.get("score") is None:
        return _("not completed: no score")
    text = score_text(entry["score"])
    if entry.get("completed"):
        return _("%(score)s (completed)") % {"score": text}
    return text
