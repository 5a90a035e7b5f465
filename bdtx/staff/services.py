"""Writes to the staff registry. The form, the API, the import and the commands all come through here,
so every change is checked the same way and leaves the same audit trail."""

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.organisations.models import Unit

from .models import Assignment, ChangeSource, StaffChange, StaffMember
from .validation import CODE_LABELS

# Fields a person can change, in the order of the import columns; the unit goes through transfer.
EDITABLE_FIELDS = [
    "code", "full_name", "birth_date", "gender", "citizen_id", "ethnicity", "position", "group", "levels",
    "subjects", "qualification", "professional_title", "is_core", "phone", "email", "joined_on", "status",
]  # fmt: skip


class StaleRecord(Exception):
    """Someone else saved the record after it was read: the second save is refused, not merged."""


def shown(field: str, value: object) -> str:
    """A value as the audit trail shows it (dd/mm/yyyy dates, Vietnamese labels)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if field == "levels":
        return ", ".join(CODE_LABELS["levels"].get(code, code) for code in str(value).split(",") if code)
    if field in CODE_LABELS:
        return CODE_LABELS[field].get(value, str(value))
    return str(value)


def changed_fields(member: StaffMember, values: dict) -> dict[str, list[str]]:
    """{field: [before, after]} for the values that differ from the record."""
    changes = {}
    for name in EDITABLE_FIELDS:
        if name not in values:
            continue
        before, after = getattr(member, name), values[name]
        if name == "citizen_id":
            before, after = before or None, after or None
        if before != after:
            changes[name] = [shown(name, before), shown(name, after)]
    return changes


@transaction.atomic
def create_staff(*, unit: Unit, by=None, source: str = ChangeSource.FORM, reference: str = "", **values) -> StaffMember:
    """Add a person to the registry at `unit`, with the first stay of their history."""
    member = StaffMember(unit=unit, **{k: v for k, v in values.items() if k in EDITABLE_FIELDS})
    member.save()
    Assignment.objects.create(staff=member, unit=unit, position=member.position, start_date=member.joined_on)
    changes = {
        name: ["", shown(name, getattr(member, name))] for name in EDITABLE_FIELDS if shown(name, getattr(member, name))
    }
    changes["unit"] = ["", unit.name]
    StaffChange.objects.create(
        staff=member, by=by, action=StaffChange.Action.CREATED, source=source, changes=changes, reference=reference
    )
    return member


@transaction.atomic
def update_staff(
    member: StaffMember,
    *,
    by=None,
    source: str = ChangeSource.FORM,
    reference: str = "",
    expected_version: int | None = None,
    unit: Unit | None = None,
    **values,
) -> StaffMember:
    """Change a person's fields (and unit, as a transfer today). Refuses a save based on an old read."""
    current = StaffMember.objects.select_for_update().get(pk=member.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleRecord(
            _("Someone else changed this record after you opened it. Reload it and make your change again.")
        )
    changes = changed_fields(current, values)
    if changes:
        for name in changes:
            setattr(current, name, values[name])
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db(fields=["version"])
        StaffChange.objects.create(
            staff=current, by=by, action=StaffChange.Action.UPDATED, source=source, changes=changes, reference=reference
        )
    if unit is not None and unit.pk != current.unit_id:
        current = transfer_staff(current, unit, by=by, source=source, reference=reference)
    member.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def transfer_staff(
    member: StaffMember,
    to_unit: Unit,
    *,
    on: dt.date | None = None,
    by=None,
    source: str = ChangeSource.FORM,
    reference: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> StaffMember:
    """Move a person to another unit from `on` (default today): the record and its past go with them. With
    `expected_version` (the record's version as the form read it), refused with StaleRecord if the record changed
    since (e.g. someone else transferred the person meanwhile): the last click must not silently win."""
    on = on or timezone.localdate()
    if expected_version is not None:
        current = StaffMember.objects.select_for_update().select_related("unit").get(pk=member.pk)
        if current.version != expected_version:
            raise StaleRecord(
                _(
                    "Someone else changed or transferred %(name)s after you opened this page (now at %(unit)s). "
                    "Nothing was saved. Reload the page and make your change again."
                )
                % {"name": current.full_name, "unit": current.unit.name}
            )
        member = current
    from_unit = member.unit
    Assignment.objects.filter(staff=member, end_date__isnull=True).update(end_date=on)
    Assignment.objects.create(staff=member, unit=to_unit, position=member.position, start_date=on, note=note)
    StaffMember.objects.filter(pk=member.pk).update(unit=to_unit, version=F("version") + 1, updated_at=timezone.now())
    member.refresh_from_db()
    StaffChange.objects.create(
        staff=member,
        by=by,
        action=StaffChange.Action.TRANSFERRED,
        source=source,
        changes={"unit": [from_unit.name, to_unit.name], "date": ["", on.strftime("%d/%m/%Y")]},
        reference=reference or note,
    )
    return member
