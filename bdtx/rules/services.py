"""Writes to the standards: loading rule files, and a system administrator's corrections.

A standard loaded from a file keeps its file `version`. A correction made in the app (edited_at set) is
not overwritten by a file of the same or a lower version; a higher version overwrites it. Criteria are
only ever created or updated, never deleted: appraisals point at them."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.lib.db import update_if_unchanged

from .models import Area, Criterion, Standard
from .rulefiles import RuleFile, RuleFileError

STANDARD_FIELDS = (
    "name", "document", "subject", "applies_to", "criteria_count", "classification", "self_years",
    "evaluation_years", "valid_from", "valid_until", "source", "unconfirmed",
)  # fmt: skip
AREA_FIELDS = ("title", "description", "article", "confirmed")
CRITERION_FIELDS = ("title", "descriptors", "is_core", "confirmed", "note")


class Stale(Exception):
    """Someone else saved the record since the form was loaded; nothing was written. The message says what to do."""


@dataclass
class LoadOutcome:
    """What loading one rule file did to its standard."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    KEPT_EDITED = "kept_edited"  # corrected in the app; the file is not newer
    KEPT_NEWER = "kept_newer"  # the database holds a newer version than the file

    code: str
    action: str
    version: int
    standard: Standard
    overwrote_edits: bool = False
    changed_criteria: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        values = {"code": self.code, "version": self.version, "loaded": self.standard.file_version}
        if self.action == self.CREATED:
            values["count"] = self.standard.criteria_count
            return _("%(code)s: created (version %(version)d, %(count)d criteria).") % values
        if self.action == self.UNCHANGED:
            return _("%(code)s: unchanged (version %(version)d).") % values
        if self.action == self.KEPT_EDITED:
            values["date"] = timezone.localtime(self.standard.edited_at).strftime("%d/%m/%Y")
            return (
                _(
                    "%(code)s: kept as corrected in the app on %(date)s; the file's version %(version)d is not higher "
                    "than the loaded version %(loaded)d. Raise the file's version to replace the corrections."
                )
                % values
            )
        if self.action == self.KEPT_NEWER:
            return (
                _("%(code)s: kept; the database already holds version %(loaded)d, newer than the file's %(version)d.")
                % values
            )
        message = _("%(code)s: updated to version %(version)d") % values
        if self.changed_criteria:
            message += _(" (criteria changed: %(numbers)s)") % {"numbers": ", ".join(map(str, self.changed_criteria))}
        message += "."
        if self.overwrote_edits:
            message += " " + _("The corrections made in the app were replaced by this higher version.")
        return message


def check_against_database(rule_file: RuleFile) -> list[str]:
    """Problems that only the stored data reveals (the file itself is valid)."""
    problems = []
    highest = (
        Criterion.objects.filter(standard__code=rule_file.code).order_by("-number").values_list("number", flat=True)
    )
    top = highest.first()
    count = rule_file.standard["criteria_count"]
    if top is not None and top > count:
        problems.append(
            _(
                "%(file)s: the standard %(code)s already has criterion %(number)d, and appraisals may use it; "
                "criteria_count cannot go down to %(count)d. A new circular is a new standard: give it a new code."
            )
            % {"file": rule_file.file_name, "code": rule_file.code, "number": top, "count": count}
        )
    return problems


@transaction.atomic
def load_rule_files(rule_files: list[RuleFile], *, by=None) -> list[LoadOutcome]:
    """Load checked rule files in one transaction; RuleFileError (nothing written) when any cannot be loaded."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for rule_file in rule_files:
        if rule_file.code in seen:
            problems.append(
                _("%(file)s: the code %(code)s is also in %(other)s. Keep one file per standard.")
                % {"file": rule_file.file_name, "code": rule_file.code, "other": seen[rule_file.code]}
            )
        seen[rule_file.code] = rule_file.file_name
        problems += check_against_database(rule_file)
    if problems:
        raise RuleFileError(problems)
    return [_load(rule_file, by=by) for rule_file in rule_files]


def load_rule_file(rule_file: RuleFile, *, by=None) -> LoadOutcome:
    return load_rule_files([rule_file], by=by)[0]


def _load(rule_file: RuleFile, *, by=None) -> LoadOutcome:
    standard = Standard.objects.select_for_update().filter(code=rule_file.code).first()
    outcome = LoadOutcome(rule_file.code, LoadOutcome.UPDATED, rule_file.version, standard)  # type: ignore[arg-type]
    if standard is None:
        standard = Standard.objects.create(
            code=rule_file.code,
            file_name=rule_file.file_name[:100],
            file_version=rule_file.version,
            **rule_file.standard,
        )
        outcome.standard, outcome.action = standard, LoadOutcome.CREATED
        _write_parts(standard, rule_file, new=True)
        return outcome
    if rule_file.version < standard.file_version:
        outcome.action = LoadOutcome.KEPT_NEWER
        return outcome
    if standard.edited_at is not None and rule_file.version <= standard.file_version:
        outcome.action = LoadOutcome.KEPT_EDITED
        return outcome
    changed = [name for name in STANDARD_FIELDS if getattr(standard, name) != rule_file.standard[name]]
    if standard.file_version != rule_file.version:
        changed.append("file_version")
    if standard.edited_at is not None:
        outcome.overwrote_edits = True
        standard.edited_at = standard.edited_by = None
        changed += ["edited_at", "edited_by"]
    outcome.changed_criteria = _write_parts(standard, rule_file)
    if not changed and not outcome.changed_criteria:
        outcome.action = LoadOutcome.UNCHANGED
        return outcome
    for name in STANDARD_FIELDS:
        setattr(standard, name, rule_file.standard[name])
    standard.file_version, standard.file_name = rule_file.version, rule_file.file_name[:100]
    standard.version += 1  # the row is locked (select_for_update above); a form loaded before this is refused
    standard.save()
    return outcome


def _write_parts(standard: Standard, rule_file: RuleFile, *, new: bool = False) -> list[int]:
    """Upsert the areas and criteria by number; the numbers of the criteria created or changed."""
    areas = {} if new else {area.number: area for area in standard.areas.all()}
    criteria = {} if new else {criterion.number: criterion for criterion in standard.criteria.all()}  # before areas go
    added = [Area(standard=standard, **data) for data in rule_file.areas if data["number"] not in areas]
    for area in Area.objects.bulk_create(added):
        areas[area.number] = area
    for data in rule_file.areas:
        area = areas[data["number"]]
        if any(getattr(area, name) != data[name] for name in AREA_FIELDS):
            for name in AREA_FIELDS:
                setattr(area, name, data[name])
            area.save()
    listed = {data["number"] for data in rule_file.areas}
    # An area the file no longer has goes; its criteria stay (the file gives each criterion's area anew).
    stale = [number for number in areas if number not in listed]
    if stale:
        Area.objects.filter(standard=standard, number__in=stale).delete()
    changed, created = [], []
    for data in rule_file.criteria:
        values = {name: data[name] for name in CRITERION_FIELDS}
        area = areas.get(data["area"]) if data["area"] is not None else None
        criterion = criteria.get(data["number"])
        if criterion is None:
            created.append(Criterion(standard=standard, number=data["number"], area=area, **values))
            changed.append(data["number"])
        elif criterion.area_id != (area.pk if area else None) or any(
            getattr(criterion, name) != value for name, value in values.items()
        ):
            criterion.area = area
            for name, value in values.items():
                setattr(criterion, name, value)
            criterion.version = F("version") + 1  # a correction form loaded before this file is refused
            criterion.save()
            changed.append(data["number"])
    Criterion.objects.bulk_create(created)
    return changed


@transaction.atomic
def update_criterion(
    criterion: Criterion,
    *,
    by,
    title: str,
    descriptors: dict[str, str],
    confirmed: bool,
    note: str,
    expected_version: int | None = None,
) -> Criterion:
    """A system administrator's correction of one criterion; marks the standard as corrected in the app.
    Refused (Stale, nothing written) when the criterion changed since `expected_version` was read."""
    values = {
        "title": title,
        "descriptors": {level: text for level, text in descriptors.items() if text},
        "confirmed": confirmed,
        "note": note,
    }
    if not update_if_unchanged(criterion, expected_version, **values):
        raise Stale(
            _(
                "Criterion %(number)d was changed by someone else since you opened this page (in the app or by a "
                "rule file). Reload the page to see the wording as it is now, then make your correction again."
            )
            % {"number": criterion.number}
        )
    _mark_edited(criterion.standard, by=by)
    return criterion


@transaction.atomic
def update_validity(
    standard: Standard,
    *,
    by,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
    expected_version: int | None = None,
) -> Standard:
    """Set the days a standard applies (e.g. the day a new circular replaces it). Refused (Stale, nothing
    written) when the standard changed since `expected_version` was read."""
    if not update_if_unchanged(standard, expected_version, valid_from=valid_from, valid_until=valid_until):
        raise Stale(
            _(
                "The validity dates of %(code)s were changed by someone else since you opened this page (in the "
                "app or by a rule file). Reload the page to see the dates as they are now, then make your change "
                "again."
            )
            % {"code": standard.code}
        )
    _mark_edited(standard, by=by)
    return standard


def _mark_edited(standard: Standard, *, by) -> None:
    standard.edited_by, standard.edited_at = by, timezone.now()
    Standard.objects.filter(pk=standard.pk).update(edited_by=by, edited_at=standard.edited_at)
