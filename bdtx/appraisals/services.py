"""Every write of the appraisal cycle: opening cycles, self-assessment and evidence, colleagues' opinions,
evaluation (one person or a whole group at once), reopening, and the training needs that follow.

Ratings are never typed: they are computed by the standard's rule (rules.classification)."""

import dataclasses
import datetime as dt
import mimetypes
from collections import Counter
from pathlib import PurePath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from bdtx.lib.db import update_if_unchanged
from bdtx.lib.schoolyear import school_year_label
from bdtx.rules.classification import RANK, RuleError
from bdtx.rules.models import Criterion, Rating, Standard, Subject
from bdtx.rules.standards import standard_for
from bdtx.staff.models import StaffGroup, StaffMember, Status

from .models import (
    Appraisal,
    AppraisalCycle,
    AppraisalEvent,
    EvaluationPolicy,
    Evidence,
    Opinion,
    StandardChoice,
    SubjectGroup,
    TrainingNeed,
)

# What evidence may be: documents, spreadsheets, slides, pictures, plain text.
EVIDENCE_EXTENSIONS = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".odt",
    ".jpg",
    ".jpeg",
    ".png",
    ".txt",
)
GAP_LEVELS = 2  # an evaluation this many levels from the self-assessment on a criterion is flagged


class AppraisalError(Exception):
    """A refused action; the message says in the user's language what is wrong and what to do."""


class Locked(AppraisalError):
    pass


class Stale(AppraisalError):
    pass


@dataclasses.dataclass(frozen=True)
class Flag:
    """Something a reviewer should look at before confirming an evaluation."""

    code: str  # not_submitted | no_evidence | all_tot | same_pattern | gap
    message: str


class NeedsAcknowledgement(AppraisalError):
    """The evaluations have flags; nothing was written. Confirm again acknowledging them."""

    def __init__(self, flags: dict[int, list[Flag]]):
        self.flags = flags
        super().__init__(_("Some evaluations need a second look before they are confirmed."))


# Cycles -------------------------------------------------------------------------------------------------


def open_cycle(
    *, by, unit, year: int, title: str, self_assessment_from, self_assessment_until, opinions_until, evaluation_until
) -> AppraisalCycle:
    """A cycle for the unit's subtree. One cycle per person and year: refused when a unit above or below
    already has one for that school year."""
    _check_dates_in_order([self_assessment_from, self_assessment_until, opinions_until, evaluation_until])
    overlapping = (
        AppraisalCycle.objects.filter(year=year)
        .filter(Q(unit_id__in=unit.ancestor_ids()) | Q(unit__path__startswith=unit.path))
        .select_related("unit")
        .first()
    )
    if overlapping:
        raise AppraisalError(
            _(
                "%(unit)s already takes part in the cycle “%(title)s” for school year %(year)s; "
                "one cycle per school year reaches each person."
            )
            % {"unit": overlapping.unit.name, "title": overlapping.title, "year": school_year_label(year)}
        )
    return AppraisalCycle.objects.create(
        unit=unit,
        year=year,
        title=title,
        self_assessment_from=self_assessment_from,
        self_assessment_until=self_assessment_until,
        opinions_until=opinions_until,
        evaluation_until=evaluation_until,
        created_by=by,
    )


CYCLE_DATES = ("self_assessment_from", "self_assessment_until", "opinions_until", "evaluation_until")


def update_cycle_dates(cycle: AppraisalCycle, *, expected_version: int | None = None, **dates) -> AppraisalCycle:
    """Move the deadlines (e.g. a late extension); the order of the dates is kept. Refused (Stale, nothing
    written) when the cycle changed since `expected_version` (the form's) was read."""
    unknown = set(dates) - set(CYCLE_DATES)
    if unknown:
        raise TypeError(f"update_cycle_dates() got unexpected fields {sorted(unknown)}")
    _check_dates_in_order([dates.get(name, getattr(cycle, name)) for name in CYCLE_DATES])
    if not update_if_unchanged(cycle, expected_version, **dates):
        raise Stale(
            _(
                "The dates of the cycle “%(title)s” were changed by someone else since you opened this page. "
                "Reload the page to see them, then make your change again."
            )
            % {"title": cycle.title}
        )
    return cycle


def _check_dates_in_order(dates: list) -> None:
    if any(later < earlier for earlier, later in zip(dates, dates[1:], strict=False)):
        raise AppraisalError(
            _(
                "The dates must follow each other: self-assessment opens, self-assessment deadline, "
                "colleagues' opinions deadline, evaluation deadline."
            )
        )


def cycle_for(staff: StaffMember, year: int | None = None) -> AppraisalCycle | None:
    """The cycle reaching the person's unit: the given school year's, or the latest one."""
    cycles = AppraisalCycle.objects.filter(unit_id__in=staff.unit.ancestor_ids())
    if year is not None:
        cycles = cycles.filter(year=year)
    return cycles.order_by("-year", "-unit__depth").first()


def set_evaluation_policy(
    unit, *, yearly: bool, by, note: str = "", expected_version: int | None = None
) -> EvaluationPolicy:
    """Set the unit's policy. `expected_version` is the version the form was loaded with (0: the unit had no
    policy yet); when someone saved it since, nothing is written (Stale). None: no check."""
    values = {"yearly": yearly, "note": note, "decided_by": by}
    if expected_version is None:
        current = EvaluationPolicy.objects.filter(unit=unit).first()
        expected_version = current.version if current else 0
    stale = Stale(
        _(
            "The evaluation policy of %(unit)s was changed by someone else since you opened this page. Reload the "
            "page to see it, then make your change again."
        )
        % {"unit": unit.name}
    )
    if int(expected_version) == 0:
        try:
            with transaction.atomic():
                return EvaluationPolicy.objects.create(unit=unit, **values)
        except IntegrityError:
            raise stale from None
    policies = EvaluationPolicy.objects.filter(unit=unit)
    if not policies.filter(version=expected_version).update(
        **values, decided_at=timezone.now(), version=F("version") + 1
    ):
        raise stale
    return policies.get()


# Who is appraised under which standard ----------------------------------------------------------------


def standard_for_person(staff: StaffMember, day: dt.date | None = None) -> Standard | None:
    """The person's own choice of standard if one was set, else the one their group, level and position give."""
    choice = StandardChoice.objects.filter(staff=staff).select_related("standard").first()
    if choice:
        return choice.standard
    return standard_for(staff, day)


def choose_standard(staff: StaffMember, standard: Standard | None, *, by, reason: str = "") -> None:
    """Rate this person by another standard than the rule gives (None: back to the rule)."""
    if standard is None:
        StandardChoice.objects.filter(staff=staff).delete()
        return
    if not reason.strip():
        raise AppraisalError(_("Say why this person is rated by another standard (field “Reason”)."))
    StandardChoice.objects.update_or_create(
        staff=staff, defaults={"standard": standard, "reason": reason, "set_by": by}
    )


def change_standard(appraisal: Appraisal, standard: Standard, *, by, reason: str) -> Appraisal:
    """Rate the person by another standard from now on; their appraisal in progress follows it (its levels,
    which belong to the other standard's criteria, are cleared) unless it was already submitted."""
    if appraisal.submitted or appraisal.confirmed:
        raise Locked(_("The self-assessment was submitted under its standard; it can no longer change."))
    choose_standard(appraisal.staff, standard, by=by, reason=reason)
    if appraisal.standard_id != standard.pk:
        appraisal.standard = standard
        appraisal.self_levels, appraisal.self_notes, appraisal.declared_criteria = {}, {}, []
        appraisal.final_levels, appraisal.final_comments, appraisal.final_rating = {}, {}, ""
        appraisal.version += 1
        appraisal.save()
    return appraisal


def start_appraisal(cycle: AppraisalCycle, staff: StaffMember) -> Appraisal:
    """The person's appraisal in this cycle, created on first use under the standard that applies then."""
    existing = Appraisal.objects.filter(cycle=cycle, staff=staff).select_related("standard", "cycle").first()
    if existing:
        return existing
    standard = standard_for_person(staff, cycle.self_assessment_from)
    if standard is None:
        raise AppraisalError(
            _(
                "No professional standard applies to %(name)s (staff group, position and levels taught); "
                "the school can choose one on the person's appraisal page."
            )
            % {"name": staff.full_name}
        )
    appraisal, _created = Appraisal.objects.get_or_create(
        cycle=cycle, staff=staff, defaults={"standard": standard, "unit": staff.unit}
    )
    return appraisal


# Self-assessment ----------------------------------------------------------------------------------------


def _clean_levels(appraisal: Appraisal, levels: dict) -> dict[str, str]:
    count = appraisal.standard.criteria_count
    cleaned: dict[str, str] = {}
    for number, code in levels.items():
        number = int(number)
        if not 1 <= number <= count:
            raise AppraisalError(
                _("The standard has no criterion %(number)d (it has %(count)d).") % {"number": number, "count": count}
            )
        if code in (None, ""):
            continue
        if code not in RANK:
            raise AppraisalError(
                _("Criterion %(number)d: “%(code)s” is not a level; choose Chưa đạt, Đạt, Khá or Tốt.")
                % {"number": number, "code": code}
            )
        cleaned[str(number)] = code
    return cleaned


def _check_version(appraisal: Appraisal, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != appraisal.version:
        raise stale()


def stale() -> Stale:
    return Stale(
        _(
            "This appraisal was changed elsewhere (another tab or device) since you opened it. "
            "Reload the page to see the latest version, then make your change again."
        )
    )


def _save_versioned(appraisal: Appraisal, fields: list[str]) -> None:
    """Write the fields only if nobody saved the appraisal since it was read (its version is unchanged)."""
    values = {name: getattr(appraisal, name) for name in fields}
    if not update_if_unchanged(appraisal, None, **values, updated_at=timezone.now()):
        raise stale()


SELF_FIELDS = [
    "self_levels",
    "self_notes",
    "strengths",
    "weaknesses",
    "development_plan",
    "declared_criteria",
    "declared_needs",
]
FINAL_FIELDS = [
    "final_levels",
    "final_comments",
    "evaluation_comment",
    "final_rating",
    "evaluation_status",
    "evaluated_by",
]


def save_self_assessment(
    appraisal: Appraisal,
    *,
    by,
    levels: dict,
    notes: dict | None = None,
    strengths: str = "",
    weaknesses: str = "",
    development_plan: str = "",
    declared_criteria: list[int] | None = None,
    declared_needs: str = "",
    expected_version: int | None = None,
    submit: bool = False,
    today: dt.date | None = None,
) -> Appraisal:
    """Keep a draft (also the autosave): any criteria may still be empty. Refused once submitted.

    With `submit`, the draft is submitted too (see submit_self_assessment), both in one versioned write and one
    transaction; when the submission is refused, the draft is still kept and the refusal raised."""
    if appraisal.submitted:
        raise Locked(_("The self-assessment was submitted and can no longer be changed."))
    _check_version(appraisal, expected_version)
    count = appraisal.standard.criteria_count
    appraisal.self_levels = _clean_levels(appraisal, levels)
    appraisal.self_notes = {str(k): v.strip() for k, v in (notes or {}).items() if v and v.strip()}
    appraisal.strengths = strengths.strip()
    appraisal.weaknesses = weaknesses.strip()
    appraisal.development_plan = development_plan.strip()
    appraisal.declared_criteria = sorted({int(n) for n in declared_criteria or [] if 1 <= int(n) <= count})
    appraisal.declared_needs = declared_needs.strip()
    if not submit:
        _save_versioned(appraisal, SELF_FIELDS)
        return appraisal
    try:
        rating = _submission_rating(appraisal, today)
    except AppraisalError:
        _save_versioned(appraisal, SELF_FIELDS)
        raise
    _write_submission(appraisal, by=by, rating=rating, fields=SELF_FIELDS)
    return appraisal


def submit_self_assessment(appraisal: Appraisal, *, by, today: dt.date | None = None) -> Appraisal:
    """Submit before the deadline: every criterion needs a level; the self-rating follows by the rule."""
    rating = _submission_rating(appraisal, today)
    _write_submission(appraisal, by=by, rating=rating)
    return appraisal


def _submission_rating(appraisal: Appraisal, today: dt.date | None) -> str:
    """The self-rating the submission would get; AppraisalError when it cannot be submitted (already submitted,
    outside the cycle's dates, a criterion without a level)."""
    today = today or timezone.localdate()
    cycle = appraisal.cycle
    if appraisal.submitted:
        raise Locked(_("The self-assessment was already submitted."))
    if today < cycle.self_assessment_from:
        raise AppraisalError(
            _("Self-assessment opens on %(date)s.") % {"date": cycle.self_assessment_from.strftime("%d/%m/%Y")}
        )
    if today > cycle.self_assessment_until:
        raise AppraisalError(
            _("The self-assessment deadline was %(date)s; ask your school to have the cycle's deadline extended.")
            % {"date": cycle.self_assessment_until.strftime("%d/%m/%Y")}
        )
    try:
        return appraisal.standard.classify(appraisal.levels("self"))
    except RuleError as error:
        raise AppraisalError(str(error)) from error


def _write_submission(appraisal: Appraisal, *, by, rating: str, fields: list[str] | tuple = ()) -> None:
    """The submission, with its audit event and the training needs it gives, in one transaction (with `fields` of
    the draft in the same versioned UPDATE)."""
    before = (appraisal.self_rating, appraisal.self_status, appraisal.self_submitted_at)
    with transaction.atomic():
        appraisal.self_rating = rating
        appraisal.self_status = Appraisal.SelfStatus.SUBMITTED
        appraisal.self_submitted_at = timezone.now()
        try:
            _save_versioned(appraisal, [*fields, "self_rating", "self_status", "self_submitted_at"])
        except Stale:
            appraisal.self_rating, appraisal.self_status, appraisal.self_submitted_at = before
            raise
        AppraisalEvent.objects.create(
            appraisal=appraisal, by=by, action=AppraisalEvent.Action.SUBMITTED, details={"rating": rating}
        )
        refresh_needs([appraisal])


def add_evidence(
    appraisal: Appraisal,
    *,
    by,
    title: str,
    criterion_number: int | None = None,
    description: str = "",
    url: str = "",
    upload=None,
) -> Evidence:
    """Evidence for a criterion (or the whole self-assessment): a text, a link or a file within the limits."""
    if appraisal.submitted:
        raise Locked(_("The self-assessment was submitted; evidence can no longer be added."))
    if not title.strip():
        raise AppraisalError(_("Give the evidence a title (field “Title”)."))
    if criterion_number is not None and not 1 <= int(criterion_number) <= appraisal.standard.criteria_count:
        raise AppraisalError(_("Choose one of the standard's criteria (field “Criterion”)."))
    if not (description.strip() or url.strip() or upload):
        raise AppraisalError(_("Describe the evidence, give a link or attach a file."))
    evidence = Evidence(
        appraisal=appraisal,
        criterion_number=criterion_number,
        title=title.strip(),
        description=description.strip(),
        url=url.strip(),
        added_by=by,
    )
    if upload is not None:
        name = get_valid_filename(PurePath(upload.name).name) or "minh-chung"
        extension = PurePath(name).suffix.lower()
        if extension not in EVIDENCE_EXTENSIONS:
            raise AppraisalError(
                _("“%(name)s”: this kind of file is not accepted. Use one of: %(kinds)s.")
                % {"name": upload.name, "kinds": ", ".join(EVIDENCE_EXTENSIONS)}
            )
        if upload.size == 0:
            raise AppraisalError(_("“%(name)s” is empty.") % {"name": upload.name})
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            raise AppraisalError(
                _("“%(name)s” is %(size)s MB; a file may be at most %(limit)s MB. Compress it or give a link.")
                % {
                    "name": upload.name,
                    "size": f"{upload.size / 1_048_576:.1f}",
                    "limit": settings.EVIDENCE_MAX_BYTES // 1_048_576,
                }
            )
        evidence.file_name = name
        evidence.size = upload.size
        # The type is ours, from the extension: what the browser claims is not trusted when serving it back.
        evidence.content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        evidence.file.save(name, upload, save=False)
    with transaction.atomic():
        evidence.save()
        AppraisalEvent.objects.create(
            appraisal=appraisal,
            by=by,
            action=AppraisalEvent.Action.EVIDENCE_ADDED,
            details={"title": evidence.title, "criterion": criterion_number, "file": evidence.file_name},
        )
    return evidence


def remove_evidence(evidence: Evidence, *, by) -> None:
    appraisal = evidence.appraisal
    if appraisal.submitted:
        raise Locked(_("The self-assessment was submitted; its evidence can no longer be removed."))
    with transaction.atomic():
        AppraisalEvent.objects.create(
            appraisal=appraisal,
            by=by,
            action=AppraisalEvent.Action.EVIDENCE_REMOVED,
            details={"title": evidence.title, "criterion": evidence.criterion_number, "file": evidence.file_name},
        )
        stored = evidence.file.name
        evidence.delete()
    if stored:
        evidence.file.storage.delete(stored)


# Colleagues' opinions (forms 02 and 03) ----------------------------------------------------------------


def opinion_subjects(author: StaffMember, cycle: AppraisalCycle) -> list[StaffMember]:
    """Whom the author gives an opinion on: the other members of their subject groups, and the principals
    (and vice principals) of their school."""
    group_ids = SubjectGroup.objects.filter(members=author).values("pk")
    colleagues = StaffMember.objects.filter(subject_groups__in=group_ids, status=Status.WORKING)
    heads = StaffMember.objects.filter(unit_id=author.unit_id, status=Status.WORKING, group=StaffGroup.MANAGER)
    people = {m.pk: m for m in colleagues.exclude(pk=author.pk).select_related("unit")}
    for head in heads.exclude(pk=author.pk).select_related("unit"):
        standard = standard_for_person(head, cycle.self_assessment_from)
        if standard is not None and standard.subject == Subject.PRINCIPAL:
            people[head.pk] = head
    return sorted(people.values(), key=lambda m: (m.sort_key, m.pk))


def give_opinions(
    *, author: StaffMember, cycle: AppraisalCycle, entries: list[dict], by, today: dt.date | None = None
) -> int:
    """Form 02: the author's opinion on each colleague, all or nothing. entries: [{"staff": StaffMember,
    "rating": code or "", "strengths": str, "weaknesses": str}]; an entry without a level is skipped."""
    today = today or timezone.localdate()
    if today > cycle.opinions_until:
        raise AppraisalError(_("Opinions were due by %(date)s.") % {"date": cycle.opinions_until.strftime("%d/%m/%Y")})
    allowed = {m.pk for m in opinion_subjects(author, cycle)}
    saved = 0
    with transaction.atomic():
        for entry in entries:
            subject = entry["staff"]
            if subject.pk not in allowed:
                raise AppraisalError(
                    _("%(name)s is not in your subject group or school's management.") % {"name": subject.full_name}
                )
            rating = entry.get("rating") or ""
            if not rating:
                continue
            if rating not in RANK:
                raise AppraisalError(_("%(name)s: choose Chưa đạt, Đạt, Khá or Tốt.") % {"name": subject.full_name})
            appraisal = start_appraisal(cycle, subject)
            Opinion.objects.update_or_create(
                appraisal=appraisal,
                author=author,
                defaults={
                    "rating": rating,
                    "strengths": entry.get("strengths", "").strip(),
                    "weaknesses": entry.get("weaknesses", "").strip(),
                },
            )
            saved += 1
    return saved


def opinion_summary(appraisals) -> dict[int, dict]:
    """Form 03, computed: for each appraisal, how many colleagues gave each level, and the total."""
    counts: dict[int, Counter] = {a.pk: Counter() for a in appraisals}
    rows = Opinion.objects.filter(appraisal__in=list(counts)).values_list("appraisal_id", "rating")
    for appraisal_id, rating in rows:
        counts[appraisal_id][rating] += 1
    return {
        pk: {"tot": c["tot"], "kha": c["kha"], "dat": c["dat"], "chua_dat": c["chua_dat"], "total": sum(c.values())}
        for pk, c in counts.items()
    }


# Evaluation ---------------------------------------------------------------------------------------------


def level_name(code: str) -> str:
    return str(dict(Rating.choices).get(code, code))


def review_flags(appraisal: Appraisal, levels: dict[int, str], evidence_criteria: set) -> list[Flag]:
    """What a reviewer should look at before confirming: no self-assessment, levels above Đạt with no
    evidence, every criterion Tốt, and criteria far from the self-assessment."""
    flags = []
    if not appraisal.submitted:
        flags.append(Flag("not_submitted", _("No self-assessment was submitted.")))
    unbacked = sorted(
        n for n, code in levels.items() if RANK.get(code, 0) >= RANK["kha"] and n not in evidence_criteria
    )
    if unbacked:
        flags.append(
            Flag(
                "no_evidence",
                _("Criteria %(numbers)s are rated Khá or Tốt without any evidence.")
                % {"numbers": ", ".join(map(str, unbacked))},
            )
        )
    if levels and all(code == "tot" for code in levels.values()):
        flags.append(Flag("all_tot", _("Every criterion is rated Tốt.")))
    own = appraisal.levels("self")
    gaps = [
        _("criterion %(number)d: self-assessed %(own)s, evaluated %(final)s")
        % {"number": n, "own": level_name(own[n]), "final": level_name(code)}
        for n, code in sorted(levels.items())
        if n in own and abs(RANK[code] - RANK[own[n]]) >= GAP_LEVELS
    ]
    if gaps:
        flags.append(Flag("gap", _("Far from the self-assessment: %(gaps)s.") % {"gaps": "; ".join(gaps)}))
    return flags


def evidence_by_appraisal(appraisal_ids) -> dict[int, set]:
    found: dict[int, set] = {pk: set() for pk in appraisal_ids}
    for appraisal_id, number in Evidence.objects.filter(appraisal_id__in=list(found)).values_list(
        "appraisal_id", "criterion_number"
    ):
        found[appraisal_id].add(number)
    return found


@dataclasses.dataclass
class EvaluationRow:
    appraisal: Appraisal
    levels: dict[int, str]
    comment: str = ""


def bulk_flags(rows: list[EvaluationRow]) -> dict[int, list[Flag]]:
    """Flags per appraisal, plus a group-level one: three or more people given the very same levels."""
    evidence = evidence_by_appraisal([row.appraisal.pk for row in rows])
    flags = {row.appraisal.pk: review_flags(row.appraisal, row.levels, evidence[row.appraisal.pk]) for row in rows}
    patterns = Counter(tuple(sorted(row.levels.items())) for row in rows if row.levels)
    for row in rows:
        same = patterns[tuple(sorted(row.levels.items()))]
        if row.levels and same >= 3:
            flags[row.appraisal.pk].append(
                Flag("same_pattern", _("The same levels on every criterion as %(count)d others.") % {"count": same - 1})
            )
    return {pk: found for pk, found in flags.items() if found}


def save_evaluation(
    appraisal: Appraisal,
    *,
    by,
    levels: dict,
    comment: str = "",
    comments: dict | None = None,
    expected_version: int | None = None,
) -> Appraisal:
    """A draft evaluation (levels may be incomplete); the rating shows once every criterion has a level."""
    if appraisal.confirmed:
        raise Locked(_("This evaluation is confirmed; only the level above can reopen it."))
    _check_version(appraisal, expected_version)
    appraisal.final_levels = _clean_levels(appraisal, levels)
    appraisal.final_comments = {str(k): v.strip() for k, v in (comments or {}).items() if v and v.strip()}
    appraisal.evaluation_comment = comment.strip()
    try:
        appraisal.final_rating = appraisal.standard.classify(appraisal.levels("final"))
    except RuleError:
        appraisal.final_rating = ""
    appraisal.evaluation_status = Appraisal.EvaluationStatus.DRAFT
    appraisal.evaluated_by = by
    with transaction.atomic():
        _save_versioned(appraisal, FINAL_FIELDS)
        AppraisalEvent.objects.create(
            appraisal=appraisal,
            by=by,
            action=AppraisalEvent.Action.EVALUATED,
            details={"levels": appraisal.final_levels, "rating": appraisal.final_rating},
        )
    return appraisal


def confirm_evaluations(
    rows: list[EvaluationRow], *, by, acknowledged: bool = False, extra_flags: dict[int, list[Flag]] | None = None
) -> list[Appraisal]:
    """Confirm many evaluations at once (or one): every criterion of every row needs a level; flags stop it
    unless acknowledged; then all are written and locked in one transaction, each with its audit event.
    `extra_flags` (by appraisal id) join the computed ones, e.g. the API's patterns against earlier confirmations."""
    problems = []
    for row in rows:
        name = row.appraisal.staff.full_name
        if row.appraisal.confirmed:
            problems.append(_("%(name)s: already confirmed.") % {"name": name})
            continue
        try:
            cleaned = _clean_levels(row.appraisal, row.levels)
            row.levels = {int(k): v for k, v in cleaned.items()}
            row.appraisal.standard.classify(row.levels)
        except (AppraisalError, RuleError) as error:
            problems.append(f"{name}: {error}")
    if problems:
        raise AppraisalError(" ".join(problems))
    flags = bulk_flags(rows)
    for pk, found in (extra_flags or {}).items():
        if found:
            flags.setdefault(pk, []).extend(found)
    if flags and not acknowledged:
        raise NeedsAcknowledgement(flags)
    now = timezone.now()
    appraisals, events = [], []
    for row in rows:
        appraisal = row.appraisal
        appraisal.final_levels = {str(n): code for n, code in row.levels.items()}
        appraisal.final_rating = appraisal.standard.classify(row.levels)
        appraisal.evaluation_comment = row.comment.strip() or appraisal.evaluation_comment
        appraisals.append(appraisal)
        events.append(
            AppraisalEvent(
                appraisal=appraisal,
                by=by,
                action=AppraisalEvent.Action.CONFIRMED,
                details={
                    "levels": appraisal.final_levels,
                    "rating": appraisal.final_rating,
                    "flags": [f.message for f in flags.get(appraisal.pk, [])],
                },
            )
        )
    with transaction.atomic():
        # What every row shares in one UPDATE, which also refuses a row confirmed or changed meanwhile by someone
        # else (its version is no longer the one read): nothing is confirmed then.
        as_read = Q(pk__in=[])
        for appraisal in appraisals:
            as_read |= Q(pk=appraisal.pk, version=appraisal.version)
        locked = (
            Appraisal.objects.filter(as_read)
            .exclude(evaluation_status=Appraisal.EvaluationStatus.CONFIRMED)
            .update(
                evaluation_status=Appraisal.EvaluationStatus.CONFIRMED,
                evaluated_by=by,
                confirmed_at=now,
                updated_at=now,
                version=F("version") + 1,
            )
        )
        if locked != len(appraisals):
            raise _changed_meanwhile(appraisals, now)
        Appraisal.objects.bulk_update(appraisals, ["final_levels", "final_rating", "evaluation_comment"])
        AppraisalEvent.objects.bulk_create(events)
        for appraisal in appraisals:
            appraisal.evaluation_status = Appraisal.EvaluationStatus.CONFIRMED
            appraisal.evaluated_by, appraisal.confirmed_at, appraisal.updated_at = by, now, now
            appraisal.version += 1
        refresh_needs(appraisals)
    return appraisals


def _changed_meanwhile(appraisals: list[Appraisal], now) -> AppraisalError:
    """The refusal of a confirmation some rows of which someone else confirmed or changed since they were read
    (called inside the transaction that is rolled back, after the UPDATE that did not reach every row)."""
    current = {
        pk: (version, confirmed_at)
        for pk, version, confirmed_at in Appraisal.objects.filter(pk__in=[a.pk for a in appraisals]).values_list(
            "pk", "version", "confirmed_at"
        )
    }
    missed = [a for a in appraisals if current.get(a.pk) != (a.version + 1, now)]
    if all(current.get(a.pk, (0, None))[1] is not None for a in missed):
        return Locked(_("Someone confirmed some of these evaluations meanwhile. Reload the page and check them."))
    return Stale(
        _(
            "%(names)s: changed or confirmed by someone else since you opened this page. Nothing was confirmed. "
            "Reload the page, check the evaluations as they are now, then confirm again."
        )
        % {"names": ", ".join(a.staff.full_name for a in missed)}
    )


def reopen_evaluation(appraisal: Appraisal, *, by, reason: str) -> Appraisal:
    """The level above reopens a confirmed evaluation; the reason is kept in the audit trail."""
    if not appraisal.confirmed:
        raise AppraisalError(_("Only a confirmed evaluation can be reopened."))
    if len(reason.strip()) < 10:
        raise AppraisalError(_("Give the reason for reopening (field “Reason”, at least 10 characters)."))
    with transaction.atomic():
        now = timezone.now()
        # Conditional on the status: of two people reopening at once, the second is refused (one event, one
        # reason); and only these fields are written, never the whole row as it was read.
        if not Appraisal.objects.filter(pk=appraisal.pk, evaluation_status=Appraisal.EvaluationStatus.CONFIRMED).update(
            evaluation_status=Appraisal.EvaluationStatus.DRAFT,
            confirmed_at=None,
            updated_at=now,
            version=F("version") + 1,
        ):
            raise Stale(_("Someone reopened this evaluation meanwhile. Reload the page to see it."))
        appraisal.evaluation_status = Appraisal.EvaluationStatus.DRAFT
        appraisal.confirmed_at, appraisal.updated_at = None, now
        appraisal.refresh_from_db(fields=["version"])
        AppraisalEvent.objects.create(
            appraisal=appraisal,
            by=by,
            action=AppraisalEvent.Action.REOPENED,
            reason=reason.strip(),
            details={"levels": appraisal.final_levels, "rating": appraisal.final_rating},
        )
        refresh_needs([appraisal])
    return appraisal


# Training needs -----------------------------------------------------------------------------------------


def lowest_criteria(levels: dict[int, str]) -> list[int]:
    """The criteria to train on: those at the person's lowest level, when that level is below Tốt and
    either stands out (some criteria are higher) or is Đạt or below. Someone at Khá on every criterion
    has no weakest criterion to point at; someone at Đạt on every one needs them all."""
    if not levels:
        return []
    floor = min(RANK[code] for code in levels.values())
    top = max(RANK[code] for code in levels.values())
    if floor >= RANK["tot"] or (floor == top and floor > RANK["dat"]):
        return []
    return sorted(n for n, code in levels.items() if RANK[code] == floor)


def refresh_needs(appraisals) -> None:
    """Rebuild the needs of these appraisals from the confirmed evaluation, else the submitted
    self-assessment, plus what the person declared."""
    appraisals = list(appraisals)
    TrainingNeed.objects.filter(appraisal__in=appraisals).delete()
    standards = {a.standard_id for a in appraisals}
    # Only what a need refers to: the criteria's texts and descriptors are not needed here.
    criteria = {
        (c.standard_id, c.number): c
        for c in Criterion.objects.filter(standard_id__in=standards).only("id", "standard_id", "number").order_by()
    }
    needs = []
    for appraisal in appraisals:
        base = {
            "staff_id": appraisal.staff_id,
            "unit_id": appraisal.unit_id,
            "year": appraisal.cycle.year,
            "appraisal": appraisal,
        }
        if appraisal.confirmed:
            levels = appraisal.levels("final")
        elif appraisal.submitted:
            levels = appraisal.levels("self")
        else:
            continue
        for number in lowest_criteria(levels):
            needs.append(
                TrainingNeed(
                    **base,
                    criterion=criteria.get((appraisal.standard_id, number)),
                    level=levels[number],
                    source=TrainingNeed.Source.RATING,
                )
            )
        declared = [criteria.get((appraisal.standard_id, n)) for n in appraisal.declared_criteria]
        for criterion in filter(None, declared):
            needs.append(
                TrainingNeed(
                    **base, criterion=criterion, source=TrainingNeed.Source.DECLARED, text=appraisal.declared_needs
                )
            )
        if appraisal.declared_needs and not appraisal.declared_criteria:
            needs.append(TrainingNeed(**base, source=TrainingNeed.Source.DECLARED, text=appraisal.declared_needs))
    TrainingNeed.objects.bulk_create(needs)


# Evaluation every two years ------------------------------------------------------------------------------


def evaluation_due(appraisals) -> set[int]:
    """Appraisals whose evaluation falls in this cycle: the unit (or a unit above) evaluates yearly, or the
    person had no confirmed evaluation in the standard's period before (two years by default)."""
    appraisals = list(appraisals)
    if not appraisals:
        return set()
    # Only the policies of these appraisals' units and the units above them (a province has hundreds).
    above = {unit_id for appraisal in appraisals for unit_id in appraisal.unit.ancestor_ids()}
    yearly_units = set(
        EvaluationPolicy.objects.filter(yearly=True, unit_id__in=above).values_list("unit_id", flat=True)
    )
    recent = set(
        Appraisal.objects.filter(
            staff_id__in=[a.staff_id for a in appraisals],
            evaluation_status=Appraisal.EvaluationStatus.CONFIRMED,
        )
        .exclude(pk__in=[a.pk for a in appraisals])
        .order_by()  # a set: the model's ordering would join the staff and units to sort it
        .values_list("staff_id", "cycle__year")
    )
    due = set()
    for appraisal in appraisals:
        if yearly_units & set(appraisal.unit.ancestor_ids()):
            due.add(appraisal.pk)
            continue
        year, period = appraisal.cycle.year, appraisal.standard.evaluation_years
        if not any((appraisal.staff_id, y) in recent for y in range(year - period + 1, year)):
            due.add(appraisal.pk)
    return due


# Subject groups -----------------------------------------------------------------------------------------


def save_group(
    *,
    unit,
    name: str,
    leader: StaffMember | None,
    members,
    group: SubjectGroup | None = None,
    expected_version: int | None = None,
) -> SubjectGroup:
    """A subject group of the school: its members work there; the leader is one of them. A change to `group` is
    refused (Stale, nothing written) when the group changed since `expected_version` (the form's) was read."""
    members = list(members)
    outsiders = [m.full_name for m in members if m.unit_id != unit.pk]
    if outsiders:
        raise AppraisalError(
            _("Members must work at %(unit)s: %(names)s.") % {"unit": unit.name, "names": ", ".join(outsiders)}
        )
    if leader is not None and leader.pk not in {m.pk for m in members}:
        members.append(leader)
    if not name.strip():
        raise AppraisalError(_("Give the group a name (field “Name”)."))
    clash = SubjectGroup.objects.filter(unit=unit, name__iexact=name.strip())
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise AppraisalError(_("The school already has a group named “%(name)s”.") % {"name": name.strip()})
    with transaction.atomic():
        if group is None:
            group = SubjectGroup.objects.create(unit=unit, name=name.strip(), leader=leader)
        else:
            read_name = group.name
            if not update_if_unchanged(group, expected_version, name=name.strip(), leader=leader):
                raise Stale(
                    _(
                        "The group “%(name)s” was changed by someone else since you opened this page. Reload the "
                        "page to see it, then make your change again."
                    )
                    % {"name": read_name}
                )
        group.members.set(members)
    return group
