"""Every write of classes, their sessions, the presenters' register and enrolments (TT 19/2019 Điều 6, 9): the
form, the API and the bulk job all come through here, so capacity, the waiting list and the checks cannot drift
apart. Where two people may edit the same record, the write carries what was read (a version or a stamp) and is
refused if the record changed meanwhile.

Attendance, scores and outcomes are written elsewhere (outcomes.refresh_outcomes); a change of who is enrolled
refreshes the outcomes of the people it touched and their yearly results in the same transaction."""

import dataclasses
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.accounts import permissions as account_permissions
from bdtx.accounts.models import User
from bdtx.lib.db import update_if_unchanged
from bdtx.lib.text import name_sort_key, split_name, tidy_name
from bdtx.organisations.models import Unit
from bdtx.plans.models import PersonalPlanItem, PlanStatus
from bdtx.rules.completion import class_outcome, completion_rule
from bdtx.staff.models import StaffMember
from bdtx.staff.models import Status as StaffStatus

from .models import (
    Attendance,
    ClassSession,
    ClassStatus,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    Trainer,
    TrainingClass,
)
from .outcomes import refresh_class, refresh_outcomes
from .permissions import can_run_class

# Statuses that hold a place in the class or in the queue for it.
ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING, EnrolmentStatus.REQUESTED)
CONTENTS = ("01", "02", "03")


class DeliveryError(Exception):
    """A refused action; the message says in the user's language what is wrong and what to do."""


class Stale(DeliveryError):
    """The record changed since the person read it."""


def _stamp(values: Iterable) -> str:
    """A short fingerprint of what a form showed, for records without a version number."""
    return hashlib.sha256(repr(list(values)).encode()).hexdigest()[:16]


# Presenters (báo cáo viên) -------------------------------------------------------------------------------

TRAINER_FIELDS = (
    "unit_id",
    "staff_id",
    "user_id",
    "full_name",
    "workplace",
    "degree",
    "bdtx_years",
    "it_standard",
    "subjects",
    "email",
    "phone",
    "note",
    "active",
)


def trainer_stamp(trainer: Trainer) -> str:
    return _stamp(getattr(trainer, field) for field in TRAINER_FIELDS)


def trainer_gaps(trainer: Trainer) -> list[str]:
    """What TT 19/2019 Điều 9 asks of a presenter that the register does not show they meet (empty: meets it).
    The thresholds come from the completion rule file."""
    rule = completion_rule()
    wanted = rule.trainer_requirements
    gaps = []
    minimum = wanted.get("min_degree")
    if minimum:
        names = {degree["code"]: degree["name_vi"] for degree in rule.degrees}
        if not trainer.degree:
            gaps.append(
                _("Degree not recorded: Điều 9 asks for %(degree)s or higher.") % {"degree": names.get(minimum)}
            )
        elif rule.degree_rank(trainer.degree) < rule.degree_rank(minimum):
            gaps.append(
                _("Degree %(held)s is below %(degree)s, which Điều 9 asks for.")
                % {"held": names.get(trainer.degree, trainer.degree), "degree": names.get(minimum)}
            )
    years = int(wanted.get("min_bdtx_years") or 0)
    if trainer.bdtx_years < years:
        gaps.append(
            _("%(held)d years of BDTX experience; Điều 9 asks for at least %(years)d.")
            % {"held": trainer.bdtx_years, "years": years}
        )
    if wanted.get("it_standard") and not trainer.it_standard:
        gaps.append(_("The basic IT skills standard (Thông tư 03/2014/TT-BTTTT) is not recorded."))
    return gaps


def linkable_users(editor):
    """Accounts a presenter may be linked to by this editor: those in the editor's scope, and their own."""
    return User.objects.filter(
        Q(pk__in=account_permissions.users_in_scope(editor).values("pk")) | Q(pk=editor.pk), is_active=True
    )


def _check_trainer(editor, unit: Unit, values: dict) -> None:
    if not account_permissions.can_manage_unit(editor, unit):
        raise DeliveryError(_("You may register presenters only for a unit you manage."))
    staff = values.get("staff")
    if staff is not None and not StaffMember.objects.visible_to(editor).filter(pk=staff.pk).exists():
        raise DeliveryError(_("That staff record is not among the people you manage."))
    user = values.get("user")
    if user is not None and not linkable_users(editor).filter(pk=user.pk).exists():
        raise DeliveryError(
            _("The account “%(username)s” is not among the accounts you manage; ask its unit to link it.")
            % {"username": user.get_username()}
        )
    if not (values.get("full_name") or "").strip():
        raise DeliveryError(_("Give the presenter's full name."))


@transaction.atomic
def save_trainer(trainer: Trainer | None, *, by, unit: Unit, stamp: str | None = None, **values) -> Trainer:
    """Register a presenter (trainer None) or change one. `values`: the Trainer fields (staff and user as
    objects). Refused if the entry changed since `stamp` was read."""
    _check_trainer(by, unit, values)
    if trainer is None:
        trainer = Trainer(unit=unit, **values)
    else:
        current = Trainer.objects.select_for_update().get(pk=trainer.pk)
        if stamp is not None and trainer_stamp(current) != stamp:
            raise Stale(_("This presenter was changed elsewhere since you opened it. Reload the page and try again."))
        if not account_permissions.can_manage_unit(by, current.unit):
            raise DeliveryError(_("Only the managers of the unit that registered this presenter may change it."))
        trainer = current
        trainer.unit = unit
        for name, value in values.items():
            setattr(trainer, name, value)
    trainer.full_name = tidy_name(trainer.full_name)
    trainer.sort_key = name_sort_key(*split_name(trainer.full_name))[:200]
    trainer.save()
    return trainer


# Classes ---------------------------------------------------------------------------------------------------

CLASS_FIELDS = (
    "organiser",
    "year",
    "code",
    "title",
    "content",
    "topic",
    "periods",
    "mode",
    "capacity",
    "enrol_opens",
    "enrol_closes",
    "self_enrol",
    "min_attendance_percent",
    "description",
)


def _check_class(by, values: dict, modules: list, training_class: TrainingClass | None = None) -> None:
    organiser = values["organiser"]
    if not account_permissions.can_manage_unit(by, organiser):
        raise DeliveryError(_("You may organise classes only for a unit you manage."))
    content = values["content"]
    if content not in CONTENTS:
        raise DeliveryError(_("Choose the content: 01, 02 or 03."))
    if content == "03" and not modules:
        raise DeliveryError(_("A class of content 03 teaches one or more modules: choose them."))
    if content != "03" and modules:
        raise DeliveryError(_("Modules belong to content 03; a class of content 01 or 02 has a topic instead."))
    topic = values.get("topic")
    if topic is not None and (topic.content != content or topic.plan.year != values["year"]):
        raise DeliveryError(
            _("The topic “%(topic)s” is not a topic of content %(content)s in the plans of that school year.")
            % {"topic": topic.title, "content": content}
        )
    opens, closes = values.get("enrol_opens"), values.get("enrol_closes")
    if opens and closes and closes < opens:
        raise DeliveryError(_("Enrolment closes before it opens: check the two dates."))
    duplicate = TrainingClass.objects.filter(organiser=organiser, year=values["year"], code=values["code"])
    if training_class is not None:
        duplicate = duplicate.exclude(pk=training_class.pk)
    if duplicate.exists():
        raise DeliveryError(
            _("%(unit)s already has a class with the code %(code)s in that school year; choose another code.")
            % {"unit": organiser.name, "code": values["code"]}
        )


@transaction.atomic
def create_class(*, by, modules=(), trainers=(), **values) -> TrainingClass:
    """A new class, as a draft: nobody sees it below the organiser until it is published."""
    modules, trainers = list(modules), list(trainers)
    _check_class(by, values, modules)
    training_class = TrainingClass.objects.create(created_by=by, status=ClassStatus.DRAFT, **values)
    training_class.modules.set(modules)
    training_class.trainers.set(trainers)
    return training_class


def _bump(training_class: TrainingClass, expected_version: int | None) -> None:
    """Raise the version if nobody changed the class since it was read; else Stale."""
    if not update_if_unchanged(training_class, expected_version, updated_at=timezone.now()):
        raise Stale(_("This class was changed elsewhere since you opened it. Reload the page and try again."))


def _runnable(training_class: TrainingClass, by) -> None:
    if not can_run_class(by, training_class):
        raise DeliveryError(_("Only the managers of the organising unit (or above) may change this class."))


def _not_closed(training_class: TrainingClass) -> None:
    if training_class.status == ClassStatus.CLOSED:
        raise DeliveryError(_("This class is finished; it can no longer change."))


@transaction.atomic
def update_class(
    training_class: TrainingClass, *, by, expected_version: int | None, modules=(), trainers=(), **values
) -> TrainingClass:
    """Change a class. Raising the capacity moves people up from the waiting list in their order; a capacity
    below the people enrolled is refused. Outcomes and yearly results follow the new attendance share, content,
    periods and modules."""
    modules, trainers = list(modules), list(trainers)
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    _runnable(training_class, by)
    _not_closed(training_class)
    _bump(training_class, expected_version)
    _check_class(by, values, modules, training_class)
    enrolled = training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    if values["capacity"] < enrolled:
        raise DeliveryError(
            _("%(count)d people are enrolled already: the capacity cannot be lower. Withdraw people first.")
            % {"count": enrolled}
        )
    old_modules = set(training_class.modules.values_list("pk", flat=True))
    before = {name: getattr(training_class, name) for name in CLASS_FIELDS}
    for name, value in values.items():
        setattr(training_class, name, value)
    training_class.save()
    training_class.modules.set(modules)
    training_class.trainers.set(trainers)
    promote(training_class)
    if before["min_attendance_percent"] != training_class.min_attendance_percent:
        refresh_class(training_class)
    counted = ("year", "content", "periods")
    if any(before[name] != values.get(name, before[name]) for name in counted) or old_modules != {
        m.pk for m in modules
    }:
        staff = list(training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).values_list("staff", flat=True))
        for year in {before["year"], training_class.year}:
            _refresh_results(staff, year)
    return training_class


@transaction.atomic
def publish_class(training_class: TrainingClass, *, by, expected_version: int | None = None) -> TrainingClass:
    """Draft → open: the people below the organiser now see it (and may ask to join if self-enrolment is on)."""
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    _runnable(training_class, by)
    if training_class.status != ClassStatus.DRAFT:
        raise DeliveryError(_("Only a draft class can be published; this one is already published."))
    _bump(training_class, expected_version)
    training_class.status = ClassStatus.OPEN
    training_class.save(update_fields=["status", "updated_at"])
    return training_class


@transaction.atomic
def close_class(training_class: TrainingClass, *, by, expected_version: int | None = None) -> TrainingClass:
    """Open or running → finished: no more enrolment or changes. Requests still waiting for a decision are
    declined."""
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    _runnable(training_class, by)
    if training_class.status not in (ClassStatus.OPEN, ClassStatus.RUNNING):
        raise DeliveryError(_("Only a published class can be closed."))
    _bump(training_class, expected_version)
    training_class.status = ClassStatus.CLOSED
    training_class.save(update_fields=["status", "updated_at"])
    training_class.enrolments.filter(status=EnrolmentStatus.REQUESTED).update(
        status=EnrolmentStatus.REJECTED, decided_at=timezone.now(), decided_by=by, updated_at=timezone.now()
    )
    return training_class


# Sessions --------------------------------------------------------------------------------------------------

SESSION_FIELDS = ("date", "starts_at", "ends_at", "place", "online_link", "periods")


def session_stamp(session: ClassSession) -> str:
    return _stamp(getattr(session, field) for field in SESSION_FIELDS)


def _check_session(values: dict) -> None:
    if values["ends_at"] <= values["starts_at"]:
        raise DeliveryError(
            _("The session ends at %(end)s, not after it starts (%(start)s): check the times.")
            % {"end": values["ends_at"].strftime("%H:%M"), "start": values["starts_at"].strftime("%H:%M")}
        )


@transaction.atomic
def save_session(
    training_class: TrainingClass, session: ClassSession | None = None, *, by, stamp: str | None = None, **values
) -> ClassSession:
    """Add a session to the class (session None) or change one; refused if it changed since `stamp` was read."""
    _runnable(training_class, by)
    _not_closed(training_class)
    _check_session(values)
    if session is None:
        return ClassSession.objects.create(training_class=training_class, **values)
    current = ClassSession.objects.select_for_update().get(pk=session.pk, training_class=training_class)
    if stamp is not None and session_stamp(current) != stamp:
        raise Stale(_("This session was changed elsewhere since you opened it. Reload the page and try again."))
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current


@transaction.atomic
def delete_session(session: ClassSession, *, by) -> None:
    """Remove a session, unless attendance was taken at it (the record of who came stays)."""
    training_class = session.training_class
    _runnable(training_class, by)
    _not_closed(training_class)
    current = ClassSession.objects.select_for_update().get(pk=session.pk)
    if current.attendance_taken or Attendance.objects.filter(session=current).exists():
        raise DeliveryError(
            _("Attendance was taken at the session of %(date)s: it cannot be deleted. Change its details instead.")
            % {"date": current.date.strftime("%d/%m/%Y")}
        )
    current.delete()


# Enrolment -------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class EnrolCounts:
    """What one enrolment action did."""

    enrolled: int = 0
    waiting: int = 0
    skipped: int = 0  # already in the class (or withdrew from it, for bulk enrolment)
    clashes: int = 0  # enrolled, but also in another class at the same time
    rejected: int = 0
    clash_ids: list[int] = dataclasses.field(default_factory=list)  # staff ids

    def add(self, other: "EnrolCounts") -> None:
        for name in ("enrolled", "waiting", "skipped", "clashes", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.clash_ids += other.clash_ids


def _refresh_results(staff_ids, year: int) -> None:
    """Yearly results of these people follow who is enrolled where."""
    from bdtx.results.services import refresh_people

    ids = sorted(set(staff_ids))
    if ids:
        refresh_people(ids, year)


def _after_enrolment(training_class: TrainingClass, enrolment_ids: list[int], staff_ids: list[int]) -> None:
    """Learners back in a class (who may have attendance or scores there) get their outcome worked out again; the
    people's yearly results follow who is enrolled where."""
    if enrolment_ids:
        refresh_outcomes(enrolment_ids, results=False)
    _refresh_results(staff_ids, training_class.year)


def _fresh_outcome(training_class: TrainingClass) -> dict:
    """The outcome fields of someone new to the class (no attendance, no score yet), as outcomes.refresh_outcomes
    would write them: worked out once for a whole chunk instead of updating every new row afterwards."""
    rule = completion_rule()
    held = training_class.sessions.filter(attendance_taken=True).count()
    tests = training_class.assessments.count()
    outcome, reasons = class_outcome(
        rule,
        sessions_held=held,
        sessions_attended=0,
        scores=[None] * tests,
        min_attendance_percent=training_class.min_attendance_percent,
    )
    reasons = [
        [key, {k: str(v) if isinstance(v, Decimal) else v for k, v in params.items()}] for key, params in reasons
    ]
    return {"outcome": outcome, "reasons": reasons, "sessions_attended": 0, "final_score": None}


def _seats(training_class: TrainingClass) -> int:
    enrolled = Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED).count()
    return max(training_class.capacity - enrolled, 0)


def _overlapping_sessions(training_class: TrainingClass):
    """Sessions of other classes on the same day as one of this class's, at times that overlap."""
    condition = Q(pk__in=[])
    for day, starts, ends in training_class.sessions.values_list("date", "starts_at", "ends_at"):
        condition |= Q(date=day, starts_at__lt=ends, ends_at__gt=starts)
    return ClassSession.objects.filter(condition).exclude(training_class=training_class)


def clashes(training_class: TrainingClass, staff_ids=None) -> dict[int, list[tuple[int, str]]]:
    """People of this class (enrolled or waiting; or among `staff_ids`) who are enrolled in another class with a
    session at the same time: {staff id: [(class id, class code), …]}. Three queries, whatever the numbers."""
    others = _overlapping_sessions(training_class).values("training_class_id")
    if staff_ids is None:
        staff_ids = Enrolment.objects.filter(
            training_class=training_class, status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)
        ).values("staff_id")
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        Enrolment.objects.filter(training_class_id__in=others, status=EnrolmentStatus.ENROLLED, staff_id__in=staff_ids)
        .order_by("training_class__code")
        .values_list("staff_id", "training_class_id", "training_class__code")
    )
    for staff_id, class_id, code in rows:
        found[staff_id].append((class_id, code))
    return dict(found)


def _staff_outside(training_class: TrainingClass, by, staff_ids: list[int], *, check_manager: bool) -> list[str]:
    """Names of people who cannot be enrolled here: outside the organiser's units or the user's."""
    allowed = StaffMember.objects.filter(pk__in=staff_ids, unit__path__startswith=training_class.organiser.path)
    if check_manager:
        allowed = allowed.filter(unit_id__in=account_permissions.manageable_units(by).values("pk"))
    inside = set(allowed.values_list("pk", flat=True))
    outside = [pk for pk in staff_ids if pk not in inside]
    return list(StaffMember.objects.filter(pk__in=outside[:5]).values_list("full_name", flat=True)) if outside else []


def enrol_people(
    training_class: TrainingClass,
    staff_ids: Iterable[int],
    *,
    by,
    source: str = EnrolmentSource.HAND,
    resumed_since: dt.datetime | None = None,
) -> EnrolCounts:
    """Enrol people in this order: enrolled while places last, then on the waiting list in the same order.
    Those already in the class are skipped (by hand, someone who withdrew or was declined is taken back and a
    request is accepted); people in another class at the same time are enrolled all the same and counted as
    clashes. One transaction; bulk writes, so a chunk of thousands takes a fixed number of queries.

    `resumed_since`: for a bulk job run again, people this job already enrolled (source plan, since then) count
    as enrolled or waiting, not as skipped."""
    ids = list(dict.fromkeys(staff_ids))
    counts = EnrolCounts()
    if not ids:
        return counts
    by_hand = source != EnrolmentSource.PLAN
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().select_related("organiser").get(pk=training_class.pk)
        _runnable(training_class, by)
        _not_closed(training_class)
        outside = _staff_outside(training_class, by, ids, check_manager=True)
        if outside:
            raise DeliveryError(
                _("%(names)s cannot be enrolled here: they work outside the units you manage under %(unit)s.")
                % {"names": ", ".join(outside), "unit": training_class.organiser.name}
            )
        existing = {
            e.staff_id: e
            for e in Enrolment.objects.filter(training_class=training_class, staff_id__in=ids).only(
                "pk", "staff_id", "status", "source", "requested_at"
            )
        }
        seats = _seats(training_class)
        now = timezone.now()
        fresh = _fresh_outcome(training_class)
        new: list[Enrolment] = []
        taken_back: list[Enrolment] = []
        placed: list[int] = []  # staff ids now enrolled by this call (or by the resumed job)
        for staff_id in ids:
            current = existing.get(staff_id)
            if current is not None:
                resumed = (
                    resumed_since is not None
                    and current.source == EnrolmentSource.PLAN
                    and current.requested_at >= resumed_since
                    and current.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)
                )
                if resumed:
                    if current.status == EnrolmentStatus.ENROLLED:
                        counts.enrolled += 1
                        placed.append(staff_id)
                    else:
                        counts.waiting += 1
                    continue
                reopen = by_hand and current.status in (
                    EnrolmentStatus.REQUESTED,
                    EnrolmentStatus.WITHDRAWN,
                    EnrolmentStatus.REJECTED,
                )
                if not reopen:
                    counts.skipped += 1
                    continue
                if current.status != EnrolmentStatus.REQUESTED:
                    current.requested_at = now  # back of the queue, like anyone joining now
                current.status = EnrolmentStatus.ENROLLED if seats > 0 else EnrolmentStatus.WAITING
                current.decided_at, current.decided_by = now, by
                taken_back.append(current)
            else:
                current = Enrolment(
                    training_class=training_class,
                    staff_id=staff_id,
                    source=source,
                    status=EnrolmentStatus.ENROLLED if seats > 0 else EnrolmentStatus.WAITING,
                    decided_at=now,
                    decided_by=by,
                    **fresh,
                )
                new.append(current)
            if current.status == EnrolmentStatus.ENROLLED:
                seats -= 1
                counts.enrolled += 1
                placed.append(staff_id)
            else:
                counts.waiting += 1
        Enrolment.objects.bulk_create(new, batch_size=500)
        Enrolment.objects.bulk_update(
            taken_back, ["status", "requested_at", "decided_at", "decided_by", "updated_at"], batch_size=500
        )
        if placed:
            counts.clash_ids = sorted(clashes(training_class, staff_ids=placed))
            counts.clashes = len(counts.clash_ids)
            back = [e.pk for e in taken_back if e.status == EnrolmentStatus.ENROLLED]
            _after_enrolment(training_class, back, placed)
    return counts


def promote(training_class: TrainingClass) -> list[Enrolment]:
    """Fill free places from the waiting list, first come first served (call inside the transaction that freed
    them)."""
    seats = _seats(training_class)
    if not seats:
        return []
    moving = list(
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.WAITING).order_by(
            "requested_at", "pk"
        )[:seats]
    )
    if not moving:
        return []
    now = timezone.now()
    for enrolment in moving:
        enrolment.status, enrolment.decided_at, enrolment.updated_at = EnrolmentStatus.ENROLLED, now, now
    Enrolment.objects.bulk_update(moving, ["status", "decided_at", "updated_at"])
    _after_enrolment(training_class, [e.pk for e in moving], [e.staff_id for e in moving])
    return moving


def class_started(training_class: TrainingClass, today: dt.date | None = None) -> bool:
    """The first session has come (a class without sessions has not started)."""
    today = today or timezone.localdate()
    first = training_class.sessions.order_by("date").values_list("date", flat=True).first()
    return first is not None and first <= today


def withdraw(enrolment: Enrolment, *, by, today: dt.date | None = None) -> Enrolment | None:
    """Take someone out of a class (or the waiting list, or cancel a request). The person may do it before the
    class starts; those who run the class at any time. A place freed goes at once to the first on the waiting list
    (returned)."""
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("training_class", "staff").get(pk=enrolment.pk)
        training_class = TrainingClass.objects.select_for_update().get(pk=enrolment.training_class_id)
        runner = can_run_class(by, training_class)
        own = enrolment.staff.user_id is not None and enrolment.staff.user_id == getattr(by, "pk", None)
        if not (runner or own):
            raise DeliveryError(_("Only the person or those who run the class may withdraw from it."))
        if enrolment.status not in ACTIVE:
            raise DeliveryError(_("This person is no longer in the class or on its waiting list."))
        _not_closed(training_class)
        if not runner and class_started(training_class, today):
            raise DeliveryError(
                _("The class has started: ask its organiser (%(unit)s) to withdraw you.")
                % {"unit": training_class.organiser.name}
            )
        was_enrolled = enrolment.status == EnrolmentStatus.ENROLLED
        now = timezone.now()
        enrolment.status, enrolment.decided_at, enrolment.decided_by = EnrolmentStatus.WITHDRAWN, now, by
        enrolment.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
        promoted = promote(training_class) if was_enrolled else []
        if was_enrolled:
            _refresh_results([enrolment.staff_id], training_class.year)
    return promoted[0] if promoted else None


# Self-enrolment --------------------------------------------------------------------------------------------


def window_open(training_class: TrainingClass, today: dt.date) -> bool:
    opens, closes = training_class.enrol_opens, training_class.enrol_closes
    return (opens is None or opens <= today) and (closes is None or today <= closes)


def offered_classes(staff: StaffMember, today: dt.date | None = None):
    """Open classes a person may ask to join: organised at or above their unit, self-enrolment on, window open."""
    today = today or timezone.localdate()
    return TrainingClass.objects.filter(
        Q(enrol_opens__isnull=True) | Q(enrol_opens__lte=today),
        Q(enrol_closes__isnull=True) | Q(enrol_closes__gte=today),
        organiser_id__in=staff.unit.ancestor_ids(),
        status=ClassStatus.OPEN,
        self_enrol=True,
    )


def request_to_join(training_class: TrainingClass, staff: StaffMember, *, by, today: dt.date | None = None):
    """The person asks to join; those who run the class decide (decide_requests)."""
    today = today or timezone.localdate()
    if staff.user_id is None or staff.user_id != getattr(by, "pk", None):
        raise DeliveryError(_("Only the person themself can ask to join a class."))
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        if not offered_classes(staff, today).filter(pk=training_class.pk).exists():
            if training_class.status != ClassStatus.OPEN or not training_class.self_enrol:
                raise DeliveryError(_("This class does not take requests to join; ask its organiser."))
            if not window_open(training_class, today):
                raise DeliveryError(_("Enrolment in this class is not open today."))
            raise DeliveryError(_("This class is not offered to your unit."))
        current = Enrolment.objects.select_for_update().filter(training_class=training_class, staff=staff).first()
        if current is not None:
            if current.status in ACTIVE:
                raise DeliveryError(_("You are already in this class or have asked to join it."))
            if current.status == EnrolmentStatus.REJECTED:
                raise DeliveryError(_("Your request to join this class was declined; ask its organiser."))
            current.status, current.source = EnrolmentStatus.REQUESTED, EnrolmentSource.SELF
            current.requested_at, current.decided_at, current.decided_by = timezone.now(), None, None
            current.save(update_fields=["status", "source", "requested_at", "decided_at", "decided_by", "updated_at"])
            return current
        try:
            with transaction.atomic():
                return Enrolment.objects.create(
                    training_class=training_class,
                    staff=staff,
                    status=EnrolmentStatus.REQUESTED,
                    source=EnrolmentSource.SELF,
                )
        except IntegrityError:
            raise DeliveryError(_("You are already in this class or have asked to join it.")) from None


def decide_requests(training_class: TrainingClass, enrolment_ids: Iterable[int], *, approve: bool, by) -> EnrolCounts:
    """Accept (enrolled while places last, then the waiting list, in the order people asked) or decline the
    chosen requests. Requests decided meanwhile by someone else are counted as skipped."""
    ids = list(enrolment_ids)
    counts = EnrolCounts()
    with transaction.atomic():
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        _runnable(training_class, by)
        _not_closed(training_class)
        chosen = list(
            Enrolment.objects.select_for_update()
            .filter(training_class=training_class, pk__in=ids, status=EnrolmentStatus.REQUESTED)
            .order_by("requested_at", "pk")
        )
        counts.skipped = len(set(ids)) - len(chosen)
        now = timezone.now()
        seats = _seats(training_class) if approve else 0
        placed = []
        for enrolment in chosen:
            enrolment.decided_at, enrolment.decided_by, enrolment.updated_at = now, by, now
            if not approve:
                enrolment.status = EnrolmentStatus.REJECTED
                counts.rejected += 1
            elif seats > 0:
                enrolment.status = EnrolmentStatus.ENROLLED
                seats -= 1
                counts.enrolled += 1
                placed.append(enrolment)
            else:
                enrolment.status = EnrolmentStatus.WAITING
                counts.waiting += 1
        Enrolment.objects.bulk_update(chosen, ["status", "decided_at", "decided_by", "updated_at"])
        if placed:
            staff = [e.staff_id for e in placed]
            counts.clash_ids = sorted(clashes(training_class, staff_ids=staff))
            counts.clashes = len(counts.clash_ids)
            _after_enrolment(training_class, [e.pk for e in placed], staff)
    return counts


# Bulk enrolment from approved plans ------------------------------------------------------------------------


def _planned_items(training_class: TrainingClass):
    return PersonalPlanItem.objects.filter(
        plan__year=training_class.year,
        plan__status=PlanStatus.APPROVED,
        module_id__in=training_class.modules.values("pk"),
    )


def _working_in(unit: Unit, staff_ids):
    return StaffMember.objects.filter(
        pk__in=staff_ids, status=StaffStatus.WORKING, unit_id__in=Unit.objects.within(unit).values("pk")
    )


def plan_candidates(training_class: TrainingClass, unit: Unit):
    """Working people of `unit`'s subtree whose APPROVED personal plan for the class's year has one of the class's
    modules that no other class of theirs that year covers (enrolled, waiting or asked): a StaffMember queryset.
    People already in this class stay in it (the job counts them as skipped)."""
    covered = Enrolment.objects.filter(
        staff_id=OuterRef("plan__staff_id"),
        status__in=ACTIVE,
        training_class__year=training_class.year,
        training_class__modules=OuterRef("module_id"),
    ).exclude(training_class=training_class)
    wanted = _planned_items(training_class).exclude(Exists(covered)).values("plan__staff_id")
    return _working_in(unit, wanted)


def plan_demand(training_class: TrainingClass, unit: Unit) -> int:
    """How many working people of `unit`'s subtree have one of the class's modules in their approved plan."""
    return _working_in(unit, _planned_items(training_class).values("plan__staff_id")).count()


def enrolment_units(training_class: TrainingClass, user):
    """Units whose people the user may enrol in this class from plans: those they manage within the organiser's
    subtree (and the organiser's subtree within theirs)."""
    roots = account_permissions.managed_units(user)
    if getattr(user, "is_superuser", False):
        return Unit.objects.within(training_class.organiser)
    condition = Q(pk__in=[])
    for root in roots:
        if root.is_within(training_class.organiser):
            condition |= Q(path__startswith=root.path)
        elif training_class.organiser.is_within(root):
            condition |= Q(path__startswith=training_class.organiser.path)
    return Unit.objects.filter(condition)


def class_counts(training_class: TrainingClass) -> dict[str, int]:
    """People by status in one query."""
    rows = dict(
        training_class.enrolments.values("status").annotate(n=Count("pk")).order_by().values_list("status", "n")
    )
    return {status: rows.get(status, 0) for status in EnrolmentStatus.values}
