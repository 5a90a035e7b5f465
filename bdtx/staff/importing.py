"""Staff import: check every row of a spreadsheet first, then apply all of it in one transaction, or nothing.

Rows are read with bdtx.lib.spreadsheet and checked with validation.validate_row (the same rules as the
form), plus what only the whole file and the registry can tell: unknown or out-of-scope units, the same
person or CCCD twice, a CCCD that belongs to someone else. Writes are in bulk (100,000 rows in seconds)
and leave the same audit trail as services.create_staff / update_staff / transfer_staff."""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from itertools import chain
from operator import itemgetter
from pathlib import Path

from django.db import connections, models, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.lib import spreadsheet
from bdtx.lib.cells import Invalid, is_blank
from bdtx.lib.spreadsheet import Outcome
from bdtx.lib.text import clean
from bdtx.organisations.models import Unit

from .models import Assignment, ChangeSource, StaffChange, StaffGroup, StaffMember, Status
from .services import EDITABLE_FIELDS, changed_fields, shown
from .validation import COLUMN_BY_FIELD, COLUMNS, cross_field_problems_on

BATCH = 2000
LOOKUP_BATCH = 5000
# Above this share of the registry, the people of a file are found by reading the whole table once rather
# than by code in chunks (one plain scan beats dozens of IN (…5000 codes…) queries).
FULL_SCAN_SHARE = 0.25
DERIVED_FIELDS = ["full_name", "family_name", "middle_name", "given_name", "sort_key", "search_text", "citizen_id"]

Progress = Callable[[int, int], None]


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
    """validation.validate_row, with the parse of repeating cells remembered and today's date read once
    (the same rules and messages)."""

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or timezone.localdate()
        # (field, header, parse, required, {cell: (value, message)} for the columns whose cells repeat)
        self.columns = [
            (c.field, c.header, c.parse, c.required, {} if c.field in CACHED_FIELDS else None) for c in COLUMNS
        ]

    @staticmethod
    def _read(parse, required: bool, cell: object) -> tuple[object, str | None]:
        try:
            value = parse(cell)
        except Invalid as error:
            return None, str(error)
        if required and (value is None or value == ""):
            return None, _("This column is required. Fill it in.")
        return value, None

    def __call__(self, raw: dict[str, object]) -> tuple[dict[str, object], list[tuple[str, str]]]:
        values: dict[str, object] = {}
        errors: list[tuple[str, str]] = []
        read = self._read
        for name, header, parse, required, memo in self.columns:
            if name not in raw:
                continue
            cell = raw[name]
            if memo is None:
                value, message = read(parse, required, cell)
            else:
                # Text cells by their text; others with their type too (1, 1.0 and True are equal keys).
                key = cell if cell.__class__ is str else (cell.__class__, cell)
                found = memo.get(key)
                if found is None:
                    found = memo[key] = read(parse, required, cell)
                value, message = found
            if message is None:
                values[name] = value
            else:
                errors.append((header, message))
        problems = cross_field_problems_on(values, self.today)
        if problems:
            errors.extend(problems)
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
    with spreadsheet.gc_paused():
        return _check_staff(table, user=user, default_unit=default_unit, progress=progress)


def _check_staff(table: spreadsheet.Table, *, user, default_unit: str, progress: Progress | None) -> StaffPlan:
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

    existing, owners = _load_existing(first_row_of_code, first_row_of_cccd)
    in_scope = None if user is None else {unit.pk for unit in units.values()}
    unit_at = RECORD_FIELDS.index("unit_id")
    compared = [(name, RECORD_FIELDS.index(name)) for name in EDITABLE_FIELDS]
    for number, values in parsed:
        stored = existing.get(values["code"])
        cccd = values.get("citizen_id")
        if cccd and cccd in owners and owners[cccd] != values["code"]:
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
        if stored is not None and in_scope is not None and stored[unit_at] not in in_scope:
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
        values = _with_defaults(values, creating=stored is None)
        if stored is None:
            plan.creates.append((number, values, unit))
            continue
        new_unit = unit if unit.pk != stored[unit_at] else None
        if not new_unit and not _differs(stored, values, compared):
            outcome.unchanged += 1
            continue
        member = Record(zip(RECORD_FIELDS, stored, strict=True))
        plan.updates.append((member, values, changed_fields(member, values), new_unit))
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


RECORD_FIELDS = ("pk", "unit_id", *EDITABLE_FIELDS)
_EDITABLE = frozenset(EDITABLE_FIELDS)


def _load_existing(codes, cccds) -> tuple[dict[str, tuple], dict[str, str]]:
    """({code: stored values in RECORD_FIELDS order} for the codes of the file,
    {citizen ID: code of its holder} for its citizen IDs). Plain tuples, not model instances."""
    code_at, cccd_at = RECORD_FIELDS.index("code"), RECORD_FIELDS.index("citizen_id")
    rows = StaffMember.objects.order_by().values_list(*RECORD_FIELDS)
    existing: dict[str, tuple] = {}
    owners: dict[str, str] = {}
    if not codes:
        return existing, owners
    if len(codes) >= LOOKUP_BATCH and len(codes) >= FULL_SCAN_SHARE * StaffMember.objects.count():
        for row in rows.iterator(chunk_size=LOOKUP_BATCH):
            if row[code_at] in codes:
                existing[row[code_at]] = row
            if row[cccd_at] is not None and row[cccd_at] in cccds:
                owners[row[cccd_at]] = row[code_at]
        return existing, owners
    for chunk in _chunks(sorted(codes), LOOKUP_BATCH):
        for row in rows.filter(code__in=chunk):
            existing[row[code_at]] = row
    for chunk in _chunks(sorted(cccds), LOOKUP_BATCH):
        for code, cccd in StaffMember.objects.order_by().filter(citizen_id__in=chunk).values_list("code", "citizen_id"):
            owners[cccd] = code
    return existing, owners


def _differs(stored: tuple, values: dict, compared: list[tuple[str, int]]) -> bool:
    """Whether services.changed_fields would find a change (the same comparison, without building it)."""
    for name, at in compared:
        if name in values:
            before, after = stored[at], values[name]
            if name == "citizen_id":
                before, after = before or None, after or None
            if before != after:
                return True
    return False


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


def apply_staff(plan: StaffPlan, *, by=None, source: str = ChangeSource.COMMAND, reference: str = "") -> Outcome:
    """Write a checked plan: creates, updates and transfers in bulk, each with its StaffChange (the same
    records services.create_staff / update_staff / transfer_staff leave)."""
    if plan.outcome.errors:
        raise ValueError("a plan with errors cannot be applied")
    with spreadsheet.gc_paused(), transaction.atomic(using=router.db_for_write(StaffMember)):
        now, today = timezone.now(), timezone.localdate()
        create = _Creator(by=by, source=source, reference=reference, now=now)
        for chunk in _chunks(plan.creates, BATCH):
            create(chunk)
        for chunk in _chunks(plan.updates, BATCH):
            _update_chunk(chunk, by=by, source=source, reference=reference, now=now, today=today)
    return plan.outcome


class _New:
    """A new person's values, enough for StaffMember.derive() without building a model instance."""

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


class _Rows:
    """Rows for one table written with plain INSERTs: the columns, and each field's default and converter to
    the database's form (what the ORM would send, through the backend's own adapters)."""

    def __init__(self, model, connection, *, prepared: frozenset[str] = frozenset()) -> None:
        """`prepared`: fields whose values are given already in the database's form."""
        self.connection = connection
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.placeholders = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.pick = itemgetter(*self.defaults)
        self.converters = []  # (index, converter) of the fields whose values need adapting
        for index, f in enumerate(self.fields):
            if f.attname in prepared:
                continue
            if isinstance(f, models.JSONField):
                self.converters.append((index, partial(f.get_db_prep_save, connection=connection)))
            elif f.get_internal_type() in {"DateField", "DateTimeField"}:
                # Dates repeat (birth dates, the one `now`): adapt each distinct value once.
                self.converters.append((index, cache(partial(f.get_db_prep_save, connection=connection))))

    def row(self, values: dict) -> list:
        """The row for {attname: value}; a field not given gets its default."""
        row = list(self.pick(self.defaults | values))
        for index, convert in self.converters:
            if row[index] is not None:
                row[index] = convert(row[index])
        return row

    def insert(self, rows: list[list]) -> None:
        """INSERT with executemany (COPY on PostgreSQL): the ORM's per-object work is most of a bulk_create's
        time at this size. Constraints, defaults and foreign-key checks apply as to any INSERT."""
        if not rows:
            return
        if self.connection.vendor == "postgresql":
            # Django's psycopg cursors bind parameters on the client and send a statement a row; COPY on a
            # plain psycopg cursor of the same connection (and transaction) streams the rows, adapted by
            # the connection's own adapters.
            import psycopg

            self.connection.ensure_connection()
            sql = f"COPY {self.table} ({self.columns}) FROM STDIN"
            # wrap_database_errors: psycopg's errors reach callers as Django's (IntegrityError, OperationalError…).
            with (
                self.connection.wrap_database_errors,
                psycopg.Cursor(self.connection.connection) as cursor,
                cursor.copy(sql) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(self._sql(), rows)

    def insert_returning(self, rows: list[list], key: str, name: str) -> list[tuple]:
        """INSERT the rows and return (key, name) of each: with RETURNING where the database has it and
        takes it on a multi-row INSERT (SQLite ≥ 3.35), else by looking the keys up after."""
        if not rows:
            return []
        quoted = self.connection.ops.quote_name
        if self.connection.vendor == "postgresql" or not self.connection.features.can_return_rows_from_bulk_insert:
            self.insert(rows)
            at = [f.attname for f in self.fields].index(key)
            keys = [row[at] for row in rows]
            found: list[tuple] = []
            sql = f"SELECT {quoted(key)}, {quoted(name)} FROM {self.table} WHERE {quoted(key)} "
            with self.connection.cursor() as cursor:
                if self.connection.vendor == "postgresql":
                    cursor.execute(sql + "= ANY(%s)", [keys])
                    return cursor.fetchall()
                for chunk in _chunks(keys, 500):
                    cursor.execute(sql + "IN (" + ", ".join(["%s"] * len(chunk)) + ")", chunk)
                    found.extend(cursor.fetchall())
            return found
        limit = self.connection.features.max_query_params or 2**16 - 1
        size = max(1, min(BATCH, limit // len(self.fields)))
        returned: list[tuple] = []
        with self.connection.cursor() as cursor:
            for chunk in _chunks(rows, size):
                cursor.execute(
                    self._sql(len(chunk)) + f" RETURNING {quoted(key)}, {quoted(name)}",
                    list(chain.from_iterable(chunk)),
                )
                returned.extend(cursor.fetchall())
        return returned

    def _sql(self, rows: int = 1) -> str:
        return f"INSERT INTO {self.table} ({self.columns}) VALUES " + ", ".join([self.placeholders] * rows)


_json_text = json.encoder.encode_basestring_ascii  # what json.dumps writes for a str


def _json_parameter(connection) -> Callable[[str], object] | None:
    """How to send JSON text that json.dumps made as the audit trail's `changes`, where the backend's own
    adapting is json.dumps (SQLite: the text itself; PostgreSQL: a Jsonb of it); None elsewhere."""
    if StaffChange._meta.get_field("changes").encoder is not None:
        return None
    if type(connection.ops).adapt_json_value is BaseDatabaseOperations.adapt_json_value:
        return str
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return partial(Jsonb, dumps=str)  # Django sends Jsonb(value, dumps=json.dumps)
    return None


class _ChangesJson:
    """json.dumps({field: ["", text], …}) of a new person's audit entry, from pieces that are encoded once
    for the values that repeat. The same text as json.dumps (its default separators, ASCII escapes)."""

    def __init__(self) -> None:
        self.pieces: dict[tuple[str, str], str] = {}

    def __call__(self, changes: dict[str, list[str]]) -> str:
        pieces = []
        for name, (before, after) in changes.items():
            key = (name, after)
            piece = self.pieces.get(key) if name in CACHED_FIELDS or name == "unit" else None
            if piece is None:
                if before.__class__ is str and after.__class__ is str:
                    piece = f"{_json_text(name)}: [{_json_text(before)}, {_json_text(after)}]"
                else:
                    piece = f"{json.dumps(name)}: {json.dumps([before, after])}"
                if name in CACHED_FIELDS or name == "unit":
                    self.pieces[key] = piece
            pieces.append(piece)
        return "{" + ", ".join(pieces) + "}"


class _Creator:
    """Writes new people in chunks: the record, the first stay and the CREATED audit entry of each, as
    services.create_staff does, with what repeats from row to row worked out once per import."""

    def __init__(self, *, by, source: str, reference: str, now: dt.datetime) -> None:
        self.connection = connection = connections[router.db_for_write(StaffMember)]
        parameter, as_text = _json_parameter(connection), _ChangesJson()
        self.as_text = (lambda changes: parameter(as_text(changes))) if parameter else None
        self.people, self.stays = _Rows(StaffMember, connection), _Rows(Assignment, connection)
        self.trail = _Rows(StaffChange, connection, prepared=frozenset({"changes"} if self.as_text else ()))
        self.by_id = by.pk if by is not None else None
        self.source, self.reference, self.now = source, reference, now
        # services.shown of each field, remembered per value for the fields whose values repeat
        self.shown = [(name, {} if name in CACHED_FIELDS else None) for name in EDITABLE_FIELDS]
        self.trail_fixed = {
            "at": now,
            "by_id": self.by_id,
            "action": StaffChange.Action.CREATED,
            "source": source,
            "reference": reference,
        }

    def __call__(self, chunk: list[tuple[int, dict, Unit]]) -> None:
        now, as_text, trail_fixed = self.now, self.as_text, self.trail_fixed
        members, rows = [], []
        for _number, values, unit in chunk:
            member = _New(**{k: v for k, v in values.items() if k in _EDITABLE})
            member.__dict__.setdefault("email", "")
            member.__dict__.setdefault("citizen_id", None)
            StaffMember.derive(member)  # the same name parts, sort key and search text as save()
            member.unit_id = unit.pk
            member.created_at = member.updated_at = now
            members.append(member)
            rows.append(self.people.row(member.__dict__))
        ids = dict(self.people.insert_returning(rows, "code", "id"))
        stay_rows, trail_rows = [], []
        for member, (_number, _values, unit) in zip(members, chunk, strict=True):
            attributes = member.__dict__
            staff_id = ids[member.code]
            stay_rows.append(
                self.stays.row(
                    {
                        "staff_id": staff_id,
                        "unit_id": unit.pk,
                        "position": attributes.get("position", ""),
                        "start_date": attributes.get("joined_on"),
                    }
                )
            )
            changes = {}
            for name, memo in self.shown:
                value = attributes.get(name)
                if memo is None:
                    text = shown(name, value)
                else:
                    key = value if value.__class__ is str else (value.__class__, value)
                    text = memo.get(key)
                    if text is None:
                        text = memo[key] = shown(name, value)
                if text:
                    changes[name] = ["", text]
            changes["unit"] = ["", unit.name]
            trail_rows.append(
                self.trail.row(
                    trail_fixed | {"staff_id": staff_id, "changes": as_text(changes) if as_text else changes}
                )
            )
        self.stays.insert(stay_rows)
        self.trail.insert(trail_rows)


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
