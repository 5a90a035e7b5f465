"""Personal data under Nghị định 13/2023/NĐ-CP: who sees a citizen ID, birth date and phone in full, how they
are masked for everyone else, and the access log. Every page, API answer and export asks here; nothing else
decides (docs/privacy.md has the table).

Full data is shown to:
- the person themself;
- system administrators (and superusers);
- a province officer or a school administrator (principal) for the people of their unit's subtree.
Everyone else who may see the record (a commune/district officer, for instance) sees it masked."""

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from bdtx.accounts import permissions
from bdtx.accounts.models import Role
from bdtx.lib.schoolyear import school_year_of

from .models import AccessLog

log = logging.getLogger("bdtx.privacy")

# The roles whose work needs the full data of the people below them: a principal keeps the school's personnel
# records (insurance, pay, certificates); the Department's officers keep the province's. A commune/district
# officer follows progress and reminds schools: masked data is enough for that.
FULL_DATA_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.PROVINCE_OFFICER, Role.SCHOOL_ADMIN})
# The fields masked for the others. E-mail is not among them: it is the work address people are reached at.
PERSONAL_FIELDS = ("citizen_id", "birth_date", "phone")
MASK = "*"


# Who sees what ------------------------------------------------------------------------------------------


def _full_data_roots(user) -> list | None:
    """The units under which the user sees personal data in full; None: everywhere."""
    if not getattr(user, "is_authenticated", False):
        return []
    if permissions.is_system_admin(user):
        return None
    return [r.unit for r in permissions.roles_of(user) if r.role in FULL_DATA_ROLES]


def full_data_check(user) -> Callable[[str, int | None], bool]:
    """THE decision, made ready for one user: check(unit path of the person, id of the person's account) →
    whether this user sees the person's data in full. Exports call it once per row."""
    roots = _full_data_roots(user)
    own = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    if roots is None:
        return lambda unit_path, owner_id: True
    paths = tuple(root.path for root in roots)

    def check(unit_path: str, owner_id: int | None) -> bool:
        return (owner_id is not None and owner_id == own) or unit_path.startswith(paths)

    return check


def sees_in_full(user, *, unit_path: str, owner_id: int | None) -> bool:
    return full_data_check(user)(unit_path, owner_id)


def can_see_personal(user, staff) -> bool:
    """May this user see this person's citizen ID, birth date and phone in full? (`staff.unit` is read.)"""
    return sees_in_full(user, unit_path=staff.unit.path, owner_id=staff.user_id)


def full_data_filter(user) -> Q:
    """The same decision as a filter on StaffMember, for asking the database whether a list holds masked rows."""
    roots = _full_data_roots(user)
    if roots is None:
        return Q()
    condition = Q(user_id=user.pk) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    for root in roots:
        condition |= Q(unit__path__startswith=root.path)
    return condition


# Masking -----------------------------------------------------------------------------------------------


def mask_citizen_id(value: str | None) -> str:
    """The first 3 digits (the province of birth registration) and the last 2: "012*******23"."""
    return _keep_ends(value, 3, 2)


def mask_phone(value: str | None) -> str:
    """The first 2 digits and the last 2: "09******78"."""
    return _keep_ends(value, 2, 2)


def mask_birth_date(value: dt.date | str | None) -> str:
    """The year only: "**/**/1985" (also from a date already written as text, as the audit trail keeps it)."""
    if not value:
        return ""
    if isinstance(value, dt.date):
        return f"**/**/{value.year}"
    year = re.search(r"\b(1[89]|20)\d\d\b", str(value))
    return f"**/**/{year.group(0)}" if year else MASK * len(str(value))


def _keep_ends(value: str | None, head: int, tail: int) -> str:
    text = str(value or "")
    if len(text) <= head + tail:
        return MASK * len(text)
    return text[:head] + MASK * (len(text) - head - tail) + text[-tail:]


MASKERS = {"citizen_id": mask_citizen_id, "phone": mask_phone, "birth_date": mask_birth_date}


def masked(field: str, value) -> str:
    """A personal field's value as people without full access see it."""
    return MASKERS[field](value)


def shown(field: str, value, *, full: bool):
    """A personal field's value for display: as stored (a date as dd/mm/yyyy) when `full`, else masked."""
    if not full:
        return masked(field, value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value or ""


def masked_changes(changes: dict, *, full: bool) -> dict:
    """An audit-trail entry ({field: [before, after]}) with the personal fields masked unless `full`."""
    if full:
        return changes
    return {
        name: [masked(name, value) for value in values] if name in MASKERS else values
        for name, values in changes.items()
    }


def personal_data(user, staff) -> dict:
    """What a page shows of this person's personal fields for this user: {"full": bool, field: text, …}."""
    full = can_see_personal(user, staff)
    return {"full": full, **{field: shown(field, getattr(staff, field), full=full) for field in PERSONAL_FIELDS}}


# The access log ----------------------------------------------------------------------------------------


def client_ip(request) -> str | None:
    from bdtx.accounts.forms import client_ip as address  # the sign-in lockout reads the address the same way

    return address(request)


def log_access(
    *,
    user,
    kind: str,
    what: str,
    request=None,
    staff=None,
    filters: dict | None = None,
    rows: int | None = None,
    full_data: bool = True,
) -> AccessLog | None:
    """Write one access-log row (one INSERT). A failure is logged and swallowed: the person still gets their
    page or file; inside a transaction a savepoint keeps the failure from spoiling it."""
    entry = AccessLog(
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        kind=kind,
        what=what[:60],
        staff=staff,
        subject=str(staff)[:200] if staff is not None else "",
        filters={str(k): v for k, v in (filters or {}).items()},
        rows=rows,
        full_data=full_data,
        ip_address=client_ip(request),
    )
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                entry.save(force_insert=True)
        else:
            entry.save(force_insert=True)
    except Exception:
        log.exception("access log: could not record %s %s by %s", kind, what, entry.username)
        return None
    return entry


# Retention ---------------------------------------------------------------------------------------------


@dataclass
class PruneReport:
    """What prune_evaluations removed (or, in a dry run, would remove)."""

    oldest_kept_year: int
    cycles: int = 0
    appraisals: int = 0
    evidence: int = 0
    files: int = 0
    file_names: list[str] = dataclass_field(default_factory=list)


def prune_evaluations(*, years: int, today: dt.date | None = None, dry_run: bool = False) -> PruneReport:
    """Delete the appraisals (with their evidence and its files, opinions, events and training needs) of the
    cycles more than `years` school years old. The current school year's cycles, and any cycle whose evaluation
    deadline has not passed, are never touched; the cycles themselves stay (they hold no personal data)."""
    from bdtx.appraisals.models import Appraisal, AppraisalCycle, Evidence

    if years < 1:
        raise ValueError("years must be at least 1")
    today = today or timezone.localdate()
    oldest_kept = school_year_of(today) - years
    cycles = AppraisalCycle.objects.filter(year__lt=oldest_kept, evaluation_until__lt=today)
    appraisals = Appraisal.objects.filter(cycle__in=cycles.values("pk"))
    evidence = Evidence.objects.filter(appraisal__in=appraisals.values("pk"))
    report = PruneReport(oldest_kept_year=oldest_kept)
    report.cycles = cycles.filter(pk__in=appraisals.values("cycle_id")).count()
    report.file_names = [name for name in evidence.exclude(file="").values_list("file", flat=True) if name]
    report.evidence = evidence.count()
    report.files = len(report.file_names)
    report.appraisals = appraisals.count()
    if dry_run or not report.appraisals:
        return report
    with transaction.atomic():
        # Evidence, opinions, events and training needs go with their appraisal (on_delete=CASCADE).
        appraisals.delete()
    storage = Evidence._meta.get_field("file").storage
    for name in report.file_names:
        try:
            storage.delete(name)
        except OSError:
            log.warning("retention: could not delete the evidence file %s", name)
    return report
