"""Writes to the unit tree. The form, the API, the import and the commands all come through here."""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from .models import Unit, UnitMove


class TreeError(ValueError):
    pass


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
def update_unit(unit: Unit, *, by=None, **fields) -> Unit:
    """Change a unit's fields; a new parent goes through move_unit so the subtree follows."""
    new_parent = fields.pop("parent", unit.parent)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.save()
    if (new_parent.pk if new_parent else None) != unit.parent_id:
        move_unit(unit, new_parent, by=by)
    return unit
