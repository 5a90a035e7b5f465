"""Writes to the BDTX programmes: loading programme rule files, and the province's programme of the year.

A programme loaded from a file keeps its file `version`; a file with a lower version than the one loaded is
refused quietly (kept). Contents are only ever created or updated, never deleted: plans point at them."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import periods as period_rules
from .models import Programme, ProgrammeContent, ProgrammeYear
from .programmefiles import ProgrammeFile
from .rulefiles import RuleFileError

PROGRAMME_FIELDS = (
    "name", "document", "applies_to", "total_periods", "valid_from", "valid_until", "source", "unconfirmed",
)  # fmt: skip
CONTENT_FIELDS = ("name", "owner", "periods", "adjustable", "by_modules")


class ProgrammeError(ValueError):
    """A refused change to the programme of the year; the message says what is wrong and how to fix it."""


class Stale(ProgrammeError):
    """Someone else set (or removed) the programme of the year since the form was loaded; nothing was written."""


@dataclass
class ProgrammeOutcome:
    """What loading one programme file did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    KEPT_NEWER = "kept_newer"

    code: str
    action: str
    version: int
    programme: Programme
    changed_contents: list[str] = field(default_factory=list)
    kept_contents: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        values = {"code": self.code, "version": self.version, "loaded": self.programme.file_version}
        if self.action == self.CREATED:
            values["count"] = len(self.changed_contents)
            return _("%(code)s: created (version %(version)d, %(count)d contents).") % values
        if self.action == self.UNCHANGED:
            return _("%(code)s: unchanged (version %(version)d).") % values
        if self.action == self.KEPT_NEWER:
            return (
                _("%(code)s: kept; the database already holds version %(loaded)d, newer than the file's %(version)d.")
                % values
            )
        message = _("%(code)s: updated to version %(version)d") % values
        if self.changed_contents:
            message += _(" (contents changed: %(codes)s)") % {"codes": ", ".join(self.changed_contents)}
        message += "."
        if self.kept_contents:
            message += " " + _("Contents %(codes)s are not in the file and were kept.") % {
                "codes": ", ".join(self.kept_contents)
            }
        return message


@transaction.atomic
def load_programme_files(files: list[ProgrammeFile]) -> list[ProgrammeOutcome]:
    """Load checked programme files in one transaction; RuleFileError (nothing written) when any cannot be."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for programme_file in files:
        if programme_file.code in seen:
            problems.append(
                _("%(file)s: the code %(code)s is also in %(other)s. Keep one file per programme.")
                % {"file": programme_file.file_name, "code": programme_file.code, "other": seen[programme_file.code]}
            )
        seen[programme_file.code] = programme_file.file_name
    if problems:
        raise RuleFileError(problems)
    return [_load(programme_file) for programme_file in files]


def load_programme_file(programme_file: ProgrammeFile) -> ProgrammeOutcome:
    return load_programme_files([programme_file])[0]


def _load(programme_file: ProgrammeFile) -> ProgrammeOutcome:
    programme = Programme.objects.select_for_update().filter(code=programme_file.code).first()
    if programme is None:
        programme = Programme.objects.create(
            code=programme_file.code,
            file_name=programme_file.file_name[:100],
            file_version=programme_file.version,
            **programme_file.programme,
        )
        ProgrammeContent.objects.bulk_create(
            ProgrammeContent(programme=programme, **content) for content in programme_file.contents
        )
        codes = [content["code"] for content in programme_file.contents]
        return ProgrammeOutcome(programme.code, ProgrammeOutcome.CREATED, programme_file.version, programme, codes)
    outcome = ProgrammeOutcome(programme.code, ProgrammeOutcome.UPDATED, programme_file.version, programme)
    if programme_file.version < programme.file_version:
        outcome.action = ProgrammeOutcome.KEPT_NEWER
        return outcome
    changed = [name for name in PROGRAMME_FIELDS if getattr(programme, name) != programme_file.programme[name]]
    if programme.file_version != programme_file.version:
        changed.append("file_version")
    existing = {content.code: content for content in programme.contents.all()}
    for data in programme_file.contents:
        content = existing.get(data["code"])
        if content is None:
            ProgrammeContent.objects.create(programme=programme, **data)
            outcome.changed_contents.append(data["code"])
        elif any(getattr(content, name) != data[name] for name in CONTENT_FIELDS):
            for name in CONTENT_FIELDS:
                setattr(content, name, data[name])
            content.save()
            outcome.changed_contents.append(data["code"])
    listed = {data["code"] for data in programme_file.contents}
    outcome.kept_contents = sorted(code for code in existing if code not in listed)
    if not changed and not outcome.changed_contents:
        outcome.action = ProgrammeOutcome.UNCHANGED
        return outcome
    for name in PROGRAMME_FIELDS:
        setattr(programme, name, programme_file.programme[name])
    programme.file_version, programme.file_name = programme_file.version, programme_file.file_name[:100]
    programme.save()
    return outcome


# The programme of the year -------------------------------------------------------------------------------

ADJUST_MESSAGES = {
    "unknown_content": lambda v: _("Content %(content)s is not part of this programme.") % v,
    "not_adjustable": lambda v: _("Content %(content)s cannot be changed: it stays at %(periods)d periods.") % v,
    "negative": lambda v: _("Content %(content)s cannot have fewer than 0 periods.") % v,
    "sum_changed": lambda v: (
        _(
            "Contents %(contents)s must keep %(before)d periods together (this split gives %(after)d). "
            "Move periods from one to the other instead."
        )
        % v
    ),
}


def split_for(programme: Programme, wanted: dict[str, int]) -> dict[str, int]:
    """The full split of `programme` with `wanted` applied, checked by periods.adjusted; ProgrammeError."""
    contents = list(programme.contents.all())
    base = {content.code: content.periods for content in contents}
    adjustable = {content.code for content in contents if content.adjustable}
    try:
        return period_rules.adjusted(base, adjustable, wanted)
    except ValueError as error:
        key, values = error.args
        raise ProgrammeError(ADJUST_MESSAGES[key](values)) from None


@transaction.atomic
def set_programme_year(
    *,
    unit,
    year: int,
    programme: Programme,
    periods: dict[str, int],
    note: str,
    by,
    expected_version: int | None = None,
) -> ProgrammeYear:
    """The unit's (the Sở's) choice for a school year: the programme and the split of its adjustable periods.
    Only the contents that differ from the programme's are stored. Replaces the unit's earlier choice of the
    same programme for that year; other programmes of the year stay (teachers and managers follow two).

    `expected_version` is the version of the choice the form was loaded with (0: there was none); when someone
    set or removed the choice since, nothing is written (Stale). None: no check (the current choice is replaced)."""
    split = split_for(programme, periods)
    base = {content.code: content.periods for content in programme.contents.all()}
    values = {
        "periods": {code: value for code, value in split.items() if value != base[code]},
        "note": " ".join(note.split())[:255],
        "set_by": by,
    }
    chosen = ProgrammeYear.objects.filter(unit=unit, year=year, programme=programme)
    if expected_version is None:
        current = chosen.first()
        expected_version = current.version if current else 0
    stale = Stale(
        _(
            "%(programme)s, %(year)s: the periods were changed by someone else since you opened this page. Reload "
            "the page to see them, then make your change again."
        )
        % {"programme": programme.code, "year": f"{year}-{year + 1}"}
    )
    if expected_version == 0:
        try:
            with transaction.atomic():
                return ProgrammeYear.objects.create(unit=unit, year=year, programme=programme, **values)
        except IntegrityError:
            raise stale from None
    if not chosen.filter(version=expected_version).update(**values, set_at=timezone.now(), version=F("version") + 1):
        raise stale
    return chosen.get()


@transaction.atomic
def remove_programme_year(chosen: ProgrammeYear) -> None:
    """Undo a choice: the programme's own periods apply again (or the choice of a unit above)."""
    chosen.delete()
