"""The module catalogue's Excel import: every row is checked first (row, column and how to fix it, in
Vietnamese); only a file without errors is applied, in one transaction, through the catalogue's services.

Modules are matched by code (ignoring case). A column left out of the file leaves that field of existing
modules as it is; a blank cell in a column that is there clears it (periods) or takes the default."""

from django.db import transaction
from django.utils.translation import gettext as _

from bdtx.lib import cells
from bdtx.lib.cells import Invalid
from bdtx.lib.spreadsheet import Outcome, gc_paused, read_table
from bdtx.rules.models import Criterion, Programme

from . import columns, services
from .models import TrainingModule
from .permissions import can_edit_module


def known_criteria() -> dict[str, dict[int, Criterion]]:
    known: dict[str, dict[int, Criterion]] = {}
    for criterion in Criterion.objects.select_related("standard"):
        known.setdefault(criterion.standard.code, {})[criterion.number] = criterion
    return known


def check(data: bytes, name: str, *, user) -> tuple[Outcome, list[dict]]:
    """Read and check the whole file; (outcome with every error, the rows as service arguments).
    UnusableFile when it is not a spreadsheet or a required column is missing."""
    table = read_table(data, columns.SPECS, name=name)
    programmes = list(Programme.objects.prefetch_related("contents"))
    known = known_criteria()
    existing = {module.code.casefold(): module for module in TrainingModule.objects.select_related("owner")}
    present = set(table.columns)
    outcome, rows, seen = Outcome(), [], {}
    with gc_paused():
        for number, raw in table.rows():
            outcome.rows += 1
            row = {"row": number, "present": present}
            errors_before = len(outcome.errors)

            def read(key, parser, *args, raw=raw, row=row, number=number):
                try:
                    row[key] = parser(raw.get(key), *args)
                except Invalid as error:
                    outcome.error(number, columns.HEADERS[key], str(error))

            read("code", columns.module_code)
            read("title", columns.title)
            read("programme", columns.programme, programmes)
            if "programme" in row:
                read("content", columns.content, [c.code for c in row["programme"].contents.all()])
            read("periods", columns.periods)
            read("groups", columns.groups)
            read("levels", columns.levels)
            read("criteria", columns.criteria, known)
            read("objectives", lambda value: cells.text(value, max_length=5000))
            read("active", columns.active)
            code = row.get("code")
            if code:
                key = code.casefold()
                if key in seen:
                    outcome.error(
                        number,
                        columns.HEADERS["code"],
                        _("The module %(code)s is also in row %(row)d. Keep one row per module.")
                        % {"code": code, "row": seen[key]},
                    )
                seen.setdefault(key, number)
                module = existing.get(key)
                if module is not None and not can_edit_module(user, module):
                    outcome.error(
                        number,
                        columns.HEADERS["code"],
                        _("The module %(code)s belongs to %(unit)s; only that unit can change it. Use another code.")
                        % {"code": code, "unit": module.owner},
                    )
                row["module"] = module
            if len(outcome.errors) == errors_before:
                rows.append(row)
    return outcome, rows


def _values(row: dict, *, new: bool) -> dict:
    """The service arguments of a checked row: every field for a new module, the file's columns otherwise."""
    programme = row["programme"]
    target = {
        "groups": row["groups"] or list(programme.applies_to.get("groups", [])),
        "levels": row["levels"] or list(programme.applies_to.get("levels", [])),
    }
    values = {
        "title": row["title"],
        "programme": programme,
        "content": row["content"],
        "periods": row["periods"],
        "target": target,
        "criteria": row["criteria"],
        "objectives": row["objectives"],
        "active": row["active"],
    }
    if new:
        return values
    present = row["present"]
    keep = {"title", "programme"} | {
        key for key in ("content", "periods", "criteria", "objectives", "active") if key in present
    }
    if {"groups", "levels"} & present:
        keep.add("target")
    return {key: value for key, value in values.items() if key in keep}


@transaction.atomic
def apply(rows: list[dict], *, user, owner) -> Outcome:
    """Create or update the modules of checked rows (check() found no error); new ones belong to `owner`."""
    outcome = Outcome(rows=len(rows))
    for row in rows:
        module = row["module"]
        if module is None:
            values = _values(row, new=True)
            services.create_module(by=user, owner=owner, code=row["code"], **values)
            outcome.created += 1
        elif services.update_module(module, by=user, **_values(row, new=False)):
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    return outcome
