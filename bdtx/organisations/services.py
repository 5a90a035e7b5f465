"""Writes to the unit tree. The form, the API, the import and the commands all come through here."""

import hashlib

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from .models import Unit, UnitMove


class TreeError(ValueError):
    pass


class StaleUnit(ValueError):
    """The unit changed since the person opened the form: their save would overwrite that change."""


# What the edit form shows; a save based on an old read of them is refused (two people editing one unit).
UNIT_FIELDS = ("code", "name", "kind", "levels", "active", "parent_id")


def unit_stamp(unit: Unit) -> str:
    """A short fingerprint of the unit's fields as the form showed them (units have no version number)."""
    return hashlib.sha256(repr([getattr(unit, name) for name in UNIT_FIELDS]).encode()).hexdigest()[:16]


def _place(unit: Unit) -> None:
    parent = unit.parent
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0


@transaction.atomic
def create_unit(*, code: str, name: str, kind: str, parent: Unit | None, levels: str = "", **extra) -> Unit:
    """Create a unit under `parent` (None for a root) with its tree path."""
    unit = Unit.objects.create(code=code, name=name, kind=kind, parent=parent, levels=levels, **extra)
    _place(unit)
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


@transaction.atomic
def move_unit(unit: Unit, new_parent: Unit | None, *, by=None, note: str = "") -> Unit:
    """Hang `unit` (and its subtree) under `new_parent`, recording the move."""
    if new_parent is not None and new_parent.is_within(unit):
        raise TreeError(_("A unit cannot be moved under itself or one of its own units."))
    if unit.parent_id == (new_parent.pk if new_parent else None):
        return unit
    old_path, old_depth, old_parent = unit.path, unit.depth, unit.parent
    unit.parent = new_parent
    _place(unit)
    unit.save(update_fields=["parent", "path", "depth", "updated_at"])
    descendants = Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk)
    descendants.update(
        path=Concat(Value(unit.path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + (unit.depth - old_depth),
    )
    UnitMove.objects.create(unit=unit, old_parent=old_parent, new_parent=new_parent, moved_by=by, note=note)
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, by=None, stamp: str | None = None, **fields) -> Unit:
    """Change a unit's fields; a new parent goes through move_unit so the subtree follows. With `stamp` (what the
    form showed), refused with StaleUnit if someone changed the unit since."""
    if stamp is not None and unit_stamp(Unit.objects.select_for_update().get(pk=unit.pk)) != stamp:
        raise StaleUnit(
            _("Someone else changed this unit after you opened it. Reload the page and make your change again.")
        )
    new_parent = fields.pop("parent", unit.parent)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.save()
    if (new_parent.pk if new_parent else None) != unit.parent_id:
        move_unit(unit, new_parent, by=by)
    return unit
