"""Units import: check the whole file (codes, kinds, parents in any order, cycles, scope), then create and
move units in one transaction through services.create_unit / update_unit / move_unit, or change nothing."""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from bdtx.lib import cells, spreadsheet
from bdtx.lib.cells import Invalid
from bdtx.lib.spreadsheet import Outcome
from bdtx.lib.text import clean, header_key

from . import services
from .models import Level, Unit, UnitKind

# Cấp học as people type it, for the unit columns and the staff columns alike.
LEVELS = cells.alias_map(
    {
        Level.PRESCHOOL: ["Mầm non", "MN", "nhà trẻ", "mẫu giáo"],
        Level.PRIMARY: ["Tiểu học", "TH"],
        Level.LOWER_SECONDARY: ["THCS", "Trung học cơ sở"],
        Level.UPPER_SECONDARY: ["THPT", "Trung học phổ thông"],
        Level.CONTINUING: ["GDTX", "Giáo dục thường xuyên"],
    }
)
LEVEL_LABELS = ["Mầm non", "Tiểu học", "THCS", "THPT", "GDTX"]
KIND_LABELS = {
    UnitKind.MINISTRY: "Bộ GDĐT",
    UnitKind.DEPARTMENT: "Sở GDĐT",
    UnitKind.DISTRICT_OFFICE: "Phòng GDĐT",
    UnitKind.COMMUNE: "UBND xã/phường",
    UnitKind.SCHOOL: "Trường",
    UnitKind.CONTINUING_CENTRE: "Trung tâm GDTX",
    UnitKind.OTHER: "Khác",
}
# Leading words (folded) → kind: "Trường THCS …" is a school, "UBND phường …" a commune.
_KIND_PREFIXES = [
    ("bogd", UnitKind.MINISTRY), ("bogiaoduc", UnitKind.MINISTRY), ("ministry", UnitKind.MINISTRY),
    ("sogd", UnitKind.DEPARTMENT), ("sogiaoduc", UnitKind.DEPARTMENT), ("department", UnitKind.DEPARTMENT),
    ("phonggd", UnitKind.DISTRICT_OFFICE), ("phonggiaoduc", UnitKind.DISTRICT_OFFICE),
    ("ubnd", UnitKind.COMMUNE), ("uybannhandan", UnitKind.COMMUNE), ("xa", UnitKind.COMMUNE),
    ("phuong", UnitKind.COMMUNE), ("dackhu", UnitKind.COMMUNE), ("commune", UnitKind.COMMUNE),
    ("truong", UnitKind.SCHOOL), ("school", UnitKind.SCHOOL),
    ("trungtam", UnitKind.CONTINUING_CENTRE), ("ttgdtx", UnitKind.CONTINUING_CENTRE),
    ("ttgdnngdtx", UnitKind.CONTINUING_CENTRE),
    ("khac", UnitKind.OTHER), ("other", UnitKind.OTHER),
]  # fmt: skip


@dataclass(frozen=True)
class UnitColumn:
    header: str
    field: str
    required: bool = False
    note: str = ""
    labels: list[str] = field(default_factory=list)


COLUMNS = [
    UnitColumn("Mã đơn vị", "code", required=True, note="Mã duy nhất của đơn vị, ví dụ THTP01; dùng để cập nhật"),
    UnitColumn("Tên đơn vị", "name", required=True, note="Tên đầy đủ, ví dụ Trường Tiểu học Tân Phong"),
    UnitColumn(
        "Loại đơn vị",
        "kind",
        labels=list(KIND_LABELS.values()),
        note="Sở GDĐT, Phòng GDĐT, UBND xã/phường, Trường, Trung tâm GDTX, Bộ GDĐT hoặc Khác",
    ),
    UnitColumn(
        "Mã đơn vị cấp trên",
        "parent_code",
        note="Mã của đơn vị quản lý trực tiếp: có trong tệp này (thứ tự tuỳ ý) hoặc đã có trong hệ thống",
    ),
    UnitColumn("Cấp học", "levels", note="Một hoặc nhiều, cách nhau bởi dấu phẩy: Mầm non, Tiểu học, THCS, THPT, GDTX"),
]
HEADERS = {c.field: c.header for c in COLUMNS}
SPECS = [spreadsheet.Spec(c.header, c.field, required=c.required) for c in COLUMNS]


def parse_kind(value: object) -> str:
    if cells.is_blank(value):
        return ""
    key = header_key(value)
    for code, label in KIND_LABELS.items():
        if key in (header_key(label), code.replace("_", "")):
            return code
    for prefix, code in _KIND_PREFIXES:
        if key.startswith(prefix):
            return code
    raise Invalid(
        _("“%(value)s” is not a unit kind. Use one of: %(choices)s.")
        % {"value": clean(value), "choices": ", ".join(KIND_LABELS.values())}
    )


@dataclass
class UnitPlan:
    outcome: Outcome
    # In an order where every parent comes before its children: (row, values, existing unit or None).
    steps: list[tuple[int, dict, Unit | None]] = field(default_factory=list)


def read(source: str | Path | bytes, *, name: str = "") -> spreadsheet.Table:
    return spreadsheet.read_table(source, SPECS, name=name)


def _parse_row(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    values, problems = {}, []
    parsers = {
        "code": lambda v: cells.text(v, max_length=40).replace(" ", ""),
        "name": lambda v: cells.text(v, max_length=255),
        "kind": parse_kind,
        "parent_code": lambda v: cells.text(v, max_length=40).replace(" ", ""),
        "levels": lambda v: cells.choices(v, LEVELS, label_list=LEVEL_LABELS),
    }
    for column in COLUMNS:
        if column.field not in raw:
            continue
        try:
            value = parsers[column.field](raw[column.field])
        except Invalid as error:
            problems.append((column.header, str(error)))
            continue
        if column.required and not value:
            problems.append((column.header, _("This column is required. Fill it in.")))
            continue
        if column.field == "kind" and not value:
            continue  # a blank kind keeps the unit's kind (a school when new)
        values[column.field] = value
    return values, problems


def check_units(table: spreadsheet.Table, *, user=None, progress=None) -> UnitPlan:
    """Validate every row and order the writes parents-first; nothing is written."""
    from bdtx.accounts.permissions import can_edit_unit_tree

    outcome = Outcome()
    plan = UnitPlan(outcome)
    rows = list(table.rows())
    outcome.rows = len(rows)
    by_code: dict[str, tuple[int, dict]] = {}
    for number, raw in rows:
        values, problems = _parse_row(raw)
        for column, message in problems:
            outcome.error(number, column, message)
        code = values.get("code")
        if code and code in by_code:
            outcome.error(
                number,
                HEADERS["code"],
                _("The unit code %(code)s is already on row %(first)d of this file. Each unit must appear once.")
                % {"code": code, "first": by_code[code][0]},
            )
            continue
        if code and not problems:
            by_code[code] = (number, values)
        elif code:
            by_code[code] = (number, {})  # known to exist in the file, but not usable
    existing = {u.code: u for u in Unit.objects.filter(code__in=list(by_code)).select_related("parent")}
    parent_codes = {v.get("parent_code") for _n, v in by_code.values() if v.get("parent_code")}
    db_parents = {u.code: u for u in Unit.objects.filter(code__in=parent_codes - set(by_code))}

    def may_edit_under(parent: Unit | None) -> bool:
        # A unit placed under `parent` is strictly below it: allowed when the parent is within the user's tree.
        if user is None:
            return True
        if parent is None:
            return _is_admin(user)
        return can_edit_unit_tree(user, parent) or _manages_as_officer(user, parent)

    new_parent: dict[str, str] = {}  # code → parent code (or "") after the import
    for code, (number, values) in by_code.items():
        if not values:
            continue
        unit = existing.get(code)
        if unit is not None and user is not None and not can_edit_unit_tree(user, unit):
            outcome.error(
                number,
                HEADERS["code"],
                _("The unit %(code)s is outside the units you may edit. Remove the row or ask the Department.")
                % {"code": code},
            )
            continue
        parent_code = values.get("parent_code", unit.parent.code if unit and unit.parent else "")
        if "parent_code" not in values and unit is None:
            parent_code = ""
        values["parent_code"] = parent_code
        if parent_code == code:
            outcome.error(number, HEADERS["parent_code"], _("A unit cannot be its own parent. Fix the parent code."))
            continue
        if parent_code and parent_code not in by_code:
            parent = db_parents.get(parent_code)
            if parent is None or not may_edit_under(parent):
                outcome.error(
                    number,
                    HEADERS["parent_code"],
                    _("Unknown parent unit code “%(code)s”. Use a code from this file or of a unit you manage.")
                    % {"code": parent_code},
                )
                continue
        elif not parent_code and not may_edit_under(None):
            outcome.error(
                number,
                HEADERS["parent_code"],
                _("Only a system administrator can add a top-level unit. Fill in the parent unit code."),
            )
            continue
        elif parent_code and not by_code[parent_code][1]:
            outcome.error(
                number,
                HEADERS["parent_code"],
                _("The parent unit %(code)s has errors on row %(row)d. Fix that row first.")
                % {"code": parent_code, "row": by_code[parent_code][0]},
            )
            continue
        new_parent[code] = parent_code

    # Cycles: follow parents through the file and the database until a root or a repeat.
    all_parents = {u.code: (u.parent.code if u.parent else "") for u in existing.values()}
    all_parents.update(new_parent)
    for code in list(new_parent):
        seen, current = {code}, new_parent[code]
        for _step in range(10_000):
            if not current:
                break
            if current not in all_parents:
                # A unit outside the file: a loop if it already sits below a unit this file moves.
                outside = db_parents.get(current)
                if outside is not None and any(outside.is_within(existing[s]) for s in seen if s in existing):
                    outcome.error(
                        by_code[code][0],
                        HEADERS["parent_code"],
                        _(
                            "The unit %(code)s cannot be put "
                            "under %(parent)s, which is one of its own units. Fix the parent code."
                        )
                        % {"code": code, "parent": current},
                    )
                break
            if current in seen:
                number = by_code[code][0]
                outcome.error(
                    number,
                    HEADERS["parent_code"],
                    _(
                        "The parent codes make a loop (a unit would be "
                        "under itself): %(chain)s. Fix one of these parent codes."
                    )
                    % {"chain": " → ".join([*sorted(seen), current])},
                )
                break
            seen.add(current)
            current = all_parents[current]

    if not outcome.errors:
        order: list[str] = []
        placed: set[str] = set()

        def place(code: str) -> None:
            if code in placed:
                return
            parent_code = new_parent[code]
            if parent_code in new_parent:
                place(parent_code)
            placed.add(code)
            order.append(code)

        for code in new_parent:
            place(code)
        for code in order:
            number, values = by_code[code]
            unit = existing.get(code)
            if unit is None:
                outcome.created += 1
            elif _differs(unit, values):
                outcome.updated += 1
            else:
                outcome.unchanged += 1
                continue
            plan.steps.append((number, values, unit))
    outcome.errors.sort(key=lambda e: e["row"])
    if progress:
        progress(outcome.rows, outcome.rows)
    return plan


def _is_admin(user) -> bool:
    from bdtx.accounts.permissions import is_system_admin

    return is_system_admin(user)


def _manages_as_officer(user, unit: Unit) -> bool:
    """The user is an officer at this very unit (so a unit under it is strictly below their own)."""
    from bdtx.accounts.models import Role
    from bdtx.accounts.permissions import roles_of

    return any(r.unit.pk == unit.pk for r in roles_of(user) if r.role in {Role.PROVINCE_OFFICER, Role.LOCAL_OFFICER})


def _differs(unit: Unit, values: dict) -> bool:
    current = {
        "name": unit.name,
        "kind": unit.kind,
        "levels": unit.levels,
        "parent_code": unit.parent.code if unit.parent else "",
    }
    return any(name in values and values[name] != before for name, before in current.items())


@transaction.atomic
def apply_units(plan: UnitPlan, *, by=None) -> Outcome:
    if plan.outcome.errors:
        raise ValueError("a plan with errors cannot be applied")
    made: dict[str, Unit] = {}

    def parent_of(code: str) -> Unit | None:
        if not code:
            return None
        # Always fresh: an earlier move may have changed the parent's path.
        return Unit.objects.get(code=code)

    for _number, values, unit in plan.steps:
        parent = parent_of(values["parent_code"])
        fields = {k: values[k] for k in ("name", "kind", "levels") if k in values and values[k] != ""}
        if unit is None:
            fields.setdefault("kind", UnitKind.SCHOOL)
            made[values["code"]] = services.create_unit(code=values["code"], parent=parent, **fields)
        else:
            unit.refresh_from_db()
            if "levels" in values:
                fields["levels"] = values["levels"]
            services.update_unit(unit, by=by, parent=parent, **fields)
    return plan.outcome


def import_units(source, *, name: str = "", user=None, dry_run: bool = False, progress=None) -> Outcome:
    """Read, check and (unless dry_run or there are errors) apply a units spreadsheet."""
    table = read(source, name=name)
    plan = check_units(table, user=user, progress=progress)
    if not plan.outcome.errors and not dry_run:
        apply_units(plan, by=user)
    return plan.outcome
