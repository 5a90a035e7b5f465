"""What the class workbooks (attendance of many sessions, scores) share: one row per enrolled learner, matched by
Mã định danh."""

from collections.abc import Iterator, Mapping

from django.utils.translation import gettext as _

from bdtx.lib.spreadsheet import Outcome, gc_paused, shown

from .models import Enrolment

CODE_HEADER = "Mã định danh"


def learner_rows(table, enrolled: Mapping[str, Enrolment], outcome: Outcome) -> Iterator[tuple[int, dict, Enrolment]]:
    """(row number, cells, enrolment) for each row of `table` whose "code" cell names a learner of `enrolled`
    (keys: codes case-folded). A row without a code, with a code nobody enrolled has, or naming a person a second
    time is recorded in `outcome` as an error naming the row and how to fix it, and skipped."""
    seen: dict[int, int] = {}
    with gc_paused():
        for number, raw in table.rows():
            outcome.rows += 1
            value = raw.get("code")
            code = "" if isinstance(value, bool) else shown(value).strip()
            if not code:
                outcome.error(number, CODE_HEADER, _("Type the person's Mã định danh (it is how the row is matched)."))
                continue
            enrolment = enrolled.get(code.casefold())
            if enrolment is None:
                outcome.error(
                    number,
                    CODE_HEADER,
                    _(
                        "Nobody with Mã định danh “%(code)s” is enrolled in this class. Check the code, or enrol the "
                        "person first."
                    )
                    % {"code": code},
                )
                continue
            if enrolment.pk in seen:
                outcome.error(
                    number,
                    CODE_HEADER,
                    _("%(code)s is also in row %(row)d. Keep one row per person.")
                    % {"code": code, "row": seen[enrolment.pk]},
                )
                continue
            seen[enrolment.pk] = number
            yield number, raw, enrolment
