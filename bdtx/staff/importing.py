"""Staff import: check every row of a spreadsheet first, then apply all of it in one transaction, or nothing.

Rows are read with bdtx.lib.spreadsheet and checked with validation.validate_row (the same rules as the
form), plus what only the whole file and the registry can tell: unknown or out-of-scope units, the same
person or CCCD twice, a CCCD that belongs to someone else. Writes are in bulk (100,000 rows in seconds)
and leave the same audit trail as services.create_staff / update_staff / transfer_staff."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.lib import spreadsheet
from bdtx.lib.cells import Invalid, is_blank
from bdtx.lib.text import clean
from bdtx.organisations.models import Unit

from .models import Assignment, ChangeSource, StaffChange, StaffGroup, StaffMember, Status
from .services import EDITABLE_FIELDS, changed_fields, shown
from .validation import COLUMN_BY_FIELD, COLUMNS, cross_field_problems

BATCH = 2000
LOOKUP_BATCH = 5000
DERIVED_FIELDS = ["full_name", "family_name", "middle_name", "given_name", "sort_key", "search_text", "citizen_id"]

Progress = Callable[[int, int], None]


@dataclass
class Outcome:
    """What a check (and an apply) found: the counts and every error, as CONTRACTS.md prints them."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


@dataclass
class StaffPlan:
    outcome: Outcome
    creates: list[tuple[int, dict, Unit]] = field(default_factory=list)
    # (stored record, clean values, {field: [before, after]}, new unit or None)
    updates: list[tuple["Record", dict, dict, Unit | None]] = field(default_factory=list)


def specs(*, unit_required: bool) -> list[spreadsheet.Spec]:
    return [
        spreadsheet.Spec(c.header, c.field, required=c.required and (c.field != "unit_code" or unit_required))
        for c in COLUMNS
    ]


def read(source: str | Path | bytes, *, name: str = "", default_unit: str = "") -> spreadsheet.Table:
    return spreadsheet.read_table(source, specs(unit_required=not default_unit), name=name)


# Columns whose values repeat from row to row: each distinct cell is parsed once per file.
CACHED_FIELDS = {
    "full_name",
    "birth_date",
    "gender",
    "ethnicity",
    "unit_code",
    "position",
    "group",
    "levels",
    "subjects",
    "qualification",
    "professional_title",
    "is_core",
    "joined_on",
    "status",
}


class RowValidator:
    """validation.validate_row, with the parse of repeating cells remembered (the same rules and messages)."""

    def __init__(self) -> None:
        self.cache: dict[str, dict] = {name: {} for name in CACHED_FIELDS}

    def __call__(self, raw: dict[str, object]) -> tuple[dict[str, object], list[tuple[str, str]]]:
        values: dict[str, object] = {}
        errors: list[tuple[str, str]] = []
        for column in COLUMNS:
            if column.field not in raw:
                continue
            cell = raw[column.field]
            cache = self.cache.get(column.field)
            key = (type(cell), cell)
            if cache is not None and key in cache:
                ok, value = cache[key]
            else:
                try:
                    ok, value = True, column.parse(cell)
                except Invalid as error:
                    ok, value = False, str(error)
                if cache is not None:
                    cache[key] = (ok, value)
            if not ok:
                errors.append((column.header, value))
                continue
            if column.required and (value is None or value == ""):
                errors.append((column.header, _("This column is required. Fill it in.")))
                continue
            values[column.field] = value
        errors.extend(cross_field_problems(values))
        return values, errors


def _units_for(user) -> dict[str, Unit]:
    """Units the importing user may put people in, by code (all of them for a command run without a user)."""
    if user is None:
        qs = Unit.objects.all()
    else:
        from bdtx.accounts.permissions import manageable_units

        qs = manageable_units(user)
    return {unit.code: unit for unit in qs.only("pk", "code", "name", "path")}


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_staff(
    table: spreadsheet.Table, *, user=None, default_unit: str = "", progress: Progress | None = None
) -> StaffPlan:
    """Validate every row; nothing is written. Errors are reported for every row, not just the first."""
    outcome = Outcome()
    plan = StaffPlan(outcome)
    units = _units_for(user)
    unit_header = COLUMN_BY_FIELD["unit_code"].header
    code_header = COLUMN_BY_FIELD["code"].header
    cccd_header = COLUMN_BY_FIELD["citizen_id"].header
    default_code = clean(default_unit)
    if default_code and default_code not in units:
        outcome.error(0, unit_header, unknown_unit(default_code))
        return plan

    rows = list(table.rows())
    total = len(rows)
    outcome.rows = total
    parsed: list[tuple[int, dict]] = []
    validate_row = RowValidator()
    first_row_of_code: dict[str, int] = {}
    first_row_of_cccd: dict[str, int] = {}
    for done, (number, raw) in enumerate(rows, 1):
        if default_code and is_blank(raw.get("unit_code")):
            raw["unit_code"] = default_code
        values, problems = validate_row(raw)
        bad = bool(problems)
        for column, message in problems:
            outcome.error(number, column, message)
        unit_code = values.get("unit_code")
        if unit_code and unit_code not in units:
            outcome.error(number, unit_header, unknown_unit(unit_code))
            bad = True
        code = values.get("code")
        if code:
            if code in first_row_of_code:
                outcome.error(
                    number,
                    code_header,
                    _(
                        "The staff code %(code)s is already on row %(first)d of this file. Each person must appear "
                        "once: delete or merge one of the rows."
                    )
                    % {"code": code, "first": first_row_of_code[code]},
                )
                bad = True
            else:
                first_row_of_code[code] = number
        cccd = values.get("citizen_id")
        if cccd:
            if cccd in first_row_of_cccd:
                outcome.error(
                    number,
                    cccd_header,
                    _(
                        "The citizen ID %(cccd)s is already on row %(first)d of this file. Two people cannot share "
                        "a citizen ID: check both rows."
                    )
                    % {"cccd": cccd, "first": first_row_of_cccd[cccd]},
                )
                bad = True
            else:
                first_row_of_cccd[cccd] = number
        if not bad:
            parsed.append((number, values))
        if progress and done % 1000 == 0:
            progress(done, total)

    existing = _load_by(
        StaffMember.objects.values("pk", "unit_id", *EDITABLE_FIELDS), "code", [v["code"] for _n, v in parsed]
    )
    owners = _load_by(
        StaffMember.objects.values("pk", "code", "citizen_id"),
        "citizen_id",
        [v["citizen_id"] for _n, v in parsed if v.get("citizen_id")],
    )
    in_scope = None if user is None else {unit.pk for unit in units.values()}
    for number, values in parsed:
        member = existing.get(values["code"])
        cccd = values.get("citizen_id")
        if cccd and cccd in owners and owners[cccd].code != values["code"]:
            outcome.error(
                number,
                cccd_header,
                _(
                    "The citizen ID %(cccd)s already belongs to another person in the registry. Check the number; "
                    "if that record is wrong, correct it first."
                )
                % {"cccd": cccd},
            )
            continue
        if member is not None and in_scope is not None and member.unit_id not in in_scope:
            outcome.error(
                number,
                code_header,
                _(
                    "The person with staff code %(code)s belongs to a unit outside your scope. Ask that unit "
                    "(or the Department) to transfer them, or remove the row."
                )
                % {"code": values["code"]},
            )
            continue
        unit = units[values["unit_code"]]
        values = _with_defaults(values, creating=member is None)
        if member is None:
            plan.creates.append((number, values, unit))
            continue
        changes = changed_fields(member, values)
        new_unit = unit if unit.pk != member.unit_id else None
        if changes or new_unit:
            plan.updates.append((member, values, changes, new_unit))
        else:
            outcome.unchanged += 1
    if progress:
        progress(total, total)
    if outcome.errors:
        plan.creates, plan.updates = [], []
        outcome.unchanged = 0
    else:
        outcome.created, outcome.updated = len(plan.creates), len(plan.updates)
    outcome.errors.sort(key=lambda e: e["row"])
    return plan


def unknown_unit(code: str) -> str:
    return _("Unknown unit code “%(code)s”. Use the code of a unit you manage, as shown on the Units page.") % {
        "code": code
    }


class Record(dict):
    """A staff row as loaded for the check: the stored values, read like a StaffMember's attributes."""

    __getattr__ = dict.__getitem__


def _load_by(qs, field_name: str, keys: list[str]) -> dict[str, Record]:
    # Plain rows, not model instances: 100,000 of them load in a second.
    found: dict[str, Record] = {}
    for chunk in _chunks(sorted(set(keys)), LOOKUP_BATCH):
        for row in qs.filter(**{f"{field_name}__in": chunk}):
            found[row[field_name]] = Record(row)
    return found


def _with_defaults(values: dict, *, creating: bool) -> dict:
    """Blank Tình trạng means working; blank Nhóm keeps the record's group (a teacher when new)."""
    values = dict(values)
    if values.get("status") == "":
        values["status"] = Status.WORKING
    if values.get("group") == "":
        if creating:
            values["group"] = StaffGroup.TEACHER
        else:
            del values["group"]
    return values


@transaction.atomic
def apply_staff(plan: StaffPlan, *, by=None, source: str = ChangeSource.COMMAND, reference: str = "") -> Outcome:
    """Write a checked plan: creates, updates and transfers in bulk, each with its StaffChange (the same
    records services.create_staff / update_staff / transfer_staff leave)."""
    if plan.outcome.errors:
        raise ValueError("a plan with errors cannot be applied")
    now, today = timezone.now(), timezone.localdate()
    by_id = by.pk if by is not None else None
    shown_cached = _ShownCache()
    for chunk in _chunks(plan.creates, BATCH):
        members = []
        for _number, values, unit in chunk:
            member = _New(**{k: v for k, v in values.items() if k in EDITABLE_FIELDS})
            member.__dict__.setdefault("email", "")
            member.__dict__.setdefault("citizen_id", None)
            StaffMember.derive(member)  # the same name parts, sort key and search text as save()
            member.unit_id = unit.pk
            member.created_at = member.updated_at = now
            members.append(member)
        _insert(StaffMember, [m.__dict__ for m in members])
        ids = dict(StaffMember.objects.filter(code__in=[m.code for m in members]).values_list("code", "pk"))
        stays, trail = [], []
        for member, (_number, _values, unit) in zip(members, chunk, strict=True):
            staff_id = ids[member.code]
            stays.append(
                {
                    "staff_id": staff_id,
                    "unit_id": unit.pk,
                    "position": getattr(member, "position", ""),
                    "start_date": getattr(member, "joined_on", None),
                }
            )
            changes = {}
            for name in EDITABLE_FIELDS:
                text = shown_cached(name, getattr(member, name, None))
                if text:
                    changes[name] = ["", text]
            changes["unit"] = ["", unit.name]
            trail.append(
                {
                    "staff_id": staff_id,
                    "at": now,
                    "by_id": by_id,
                    "action": StaffChange.Action.CREATED,
                    "source": source,
                    "changes": changes,
                    "reference": reference,
                }
            )
        _insert(Assignment, stays)
        _insert(StaffChange, trail)

    for chunk in _chunks(plan.updates, BATCH):
        _update_chunk(chunk, by=by, source=source, reference=reference, now=now, today=today)
    return plan.outcome


class _New:
    """A new person's values, enough for StaffMember.derive() without building a model instance."""

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


class _ShownCache:
    """services.shown, remembered for the values that repeat (labels, levels)."""

    def __init__(self) -> None:
        self.cache: dict = {}

    def __call__(self, name: str, value: object) -> str:
        if name in CACHED_FIELDS:
            key = (name, type(value), value)
            if key not in self.cache:
                self.cache[key] = shown(name, value)
            return self.cache[key]
        return shown(name, value)


def _insert(model, rows: list[dict]) -> None:
    """INSERT many rows at once with executemany: the ORM's per-object work is most of a bulk_create's time
    at this size. Missing columns get the field's default; values go through the backend's adapters."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    plan = []
    for f in fields:
        default = f.get_default()
        if isinstance(f, models.JSONField):
            convert = partial(f.get_db_prep_save, connection=connection)
        elif f.get_internal_type() in {"DateField", "DateTimeField"}:
            # Dates repeat (birth dates, the one `now`): adapt each distinct value once.
            convert = cache(partial(f.get_db_prep_save, connection=connection))
        else:
            convert = None
        plan.append((f.attname, default, convert))
    params = []
    for row in rows:
        values = []
        for attname, default, convert in plan:
            value = row.get(attname, default)
            values.append(convert(value) if convert is not None and value is not None else value)
        params.append(values)
    with connection.cursor() as cursor:
        for batch in _chunks(params, BATCH):
            cursor.executemany(sql, batch)


def _update_chunk(chunk, *, by, source: str, reference: str, now: dt.datetime, today: dt.date) -> None:
    loaded = StaffMember.objects.select_related("unit").in_bulk([record.pk for record, *_rest in chunk])
    members, trail, fields = [], [], {"version", "updated_at"}
    transfers = []
    for record, values, changes, new_unit in chunk:
        member = loaded[record.pk]
        old_unit = member.unit
        for name in changes:
            setattr(member, name, values[name])
            fields.add(name)
        if changes:
            fields.update(DERIVED_FIELDS)
            member.derive()
            trail.append(
                StaffChange(
                    staff=member,
                    by=by,
                    action=StaffChange.Action.UPDATED,
                    source=source,
                    changes=changes,
                    reference=reference,
                )
            )
        if new_unit is not None:
            member.unit = new_unit
            fields.add("unit")
            transfers.append(member)
            trail.append(
                StaffChange(
                    staff=member,
                    by=by,
                    action=StaffChange.Action.TRANSFERRED,
                    source=source,
                    changes={"unit": [old_unit.name, new_unit.name], "date": ["", today.strftime("%d/%m/%Y")]},
                    reference=reference,
                )
            )
        member.version += 1
        member.updated_at = now
        members.append(member)
    StaffMember.objects.bulk_update(members, sorted(fields), batch_size=500)
    if transfers:
        Assignment.objects.filter(staff__in=transfers, end_date__isnull=True).update(end_date=today)
        Assignment.objects.bulk_create(
            Assignment(staff=m, unit_id=m.unit_id, position=m.position, start_date=today) for m in transfers
        )
    StaffChange.objects.bulk_create(trail, batch_size=BATCH)


def import_staff(
    source: str | Path | bytes,
    *,
    name: str = "",
    user=None,
    default_unit: str = "",
    dry_run: bool = False,
    source_kind: str = ChangeSource.COMMAND,
    reference: str = "command",
    progress: Progress | None = None,
) -> Outcome:
    """Read, check and (unless dry_run or there are errors) apply a staff spreadsheet.
    Raises spreadsheet.UnusableFile when the file cannot be used at all."""
    table = read(source, name=name, default_unit=default_unit)
    plan = check_staff(table, user=user, default_unit=default_unit, progress=progress)
    if not plan.outcome.errors and not dry_run:
        apply_staff(plan, by=user, source=source_kind, reference=reference)
    return plan.outcome
