"""Who keeps the module catalogue: those who keep the province's programme of the year
(rules.permissions.province_units). Everyone signed in reads it (TrainingModule.objects.visible_to)."""

from bdtx.rules.permissions import province_units

__all__ = ["can_edit_module", "can_keep_catalog", "province_units"]


def can_keep_catalog(user) -> bool:
    """May add modules and change the national ones (their periods, whether they are in use…)."""
    return bool(province_units(user))


def can_edit_module(user, module) -> bool:
    """A national module: anyone who keeps the catalogue; a unit's module: those who keep that unit's."""
    units = province_units(user)
    if module.owner_id is None:
        return bool(units)
    return any(module.owner.is_within(unit) for unit in units)
