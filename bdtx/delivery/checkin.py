"""Check-in from a phone: a QR code that changes every 20 seconds and a 6-digit code the presenter reads out, both
signed with the session's secret, so that a photo of the code sent to someone at home fails a few seconds later.

A QR token is "<slot>.<signature>": the slot is the current 20-second period since the epoch, the signature the
first 16 characters (96 bits, URL-safe base64) of HMAC-SHA256(session secret, "qr:<session id>:<slot>"). It is
accepted in its own slot and the next one (20 to 40 seconds), once per learner (CheckinUse). The spoken code is
six digits from HMAC-SHA256(secret, "code:<session id>:<minute>"), accepted in its minute and for a few seconds
after; wrong codes are counted per learner and session, and after five in ten minutes the learner must wait.

The functions that make and verify tokens and codes are pure: they take the time (`now`, seconds since the epoch)
as an argument, so tests move the clock instead of waiting."""

import base64
import datetime as dt
import hashlib
import hmac
import math
import re
import time
from dataclasses import dataclass

import segno
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .attendance import own_enrolment, record_presence
from .models import Attendance, AttendanceMethod, CheckinFailure, CheckinUse, ClassSession, Enrolment, EnrolmentStatus

SLOT_SECONDS = 20
CODE_SECONDS = 60
CODE_GRACE_SECONDS = 10
CODE_DIGITS = 6
SIGNATURE_CHARS = 16
WRONG_CODE_LIMIT = 5
WRONG_CODE_WINDOW = dt.timedelta(minutes=10)
_TOKEN = re.compile(rf"[0-9]{{1,12}}\.[A-Za-z0-9_\-]{{{SIGNATURE_CHARS}}}")
_CODE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")

# Why a check-in is refused (Refused.reason), for the page and the tests.
CLOSED, NOT_ENROLLED, INVALID, EXPIRED, USED, WRONG_CODE, BAD_FORMAT, LIMITED = (
    "closed",
    "not_enrolled",
    "invalid",
    "expired",
    "used",
    "wrong_code",
    "bad_format",
    "limited",
)


class Refused(Exception):  # noqa: N818 (a refusal, not a failure of the program)
    """A check-in that is not accepted; str(error) tells the learner why and what to do, `reason` is one of the
    constants above."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _digest(session: ClassSession, message: str) -> bytes:
    return hmac.new(session.checkin_secret.encode(), message.encode(), hashlib.sha256).digest()


# QR tokens ------------------------------------------------------------------------------------------------


def slot_at(now: float) -> int:
    return int(now // SLOT_SECONDS)


def make_token(session: ClassSession, slot: int) -> str:
    signature = base64.urlsafe_b64encode(_digest(session, f"qr:{session.pk}:{slot}")).decode()
    return f"{slot}.{signature[:SIGNATURE_CHARS]}"


def current_token(session: ClassSession, *, now: float | None = None) -> str:
    return make_token(session, slot_at(_now(now)))


def verify_token(session: ClassSession, token: str, *, now: float | None = None) -> int:
    """The slot of a genuine token of this session that is still valid (this slot or the one before);
    Refused(INVALID) for anything not signed for this session, Refused(EXPIRED) for an older one."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise Refused(_invalid_message(), reason=INVALID)
    slot = int(token.partition(".")[0])
    if not hmac.compare_digest(make_token(session, slot), token):
        raise Refused(_invalid_message(), reason=INVALID)
    current = slot_at(_now(now))
    if slot > current:  # signed here but not issued yet: only a clock gone back could do it
        raise Refused(_invalid_message(), reason=INVALID)
    if slot < current - 1:
        raise Refused(_("Code expired: scan the code being shown now."), reason=EXPIRED)
    return slot


def _invalid_message() -> str:
    return _("This is not a check-in code of this session. Scan the code on the presenter's screen.")


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG that scales to its box (no fixed size), black on white."""
    return segno.make(url, error="m", micro=False).svg_inline(
        omitsize=True, border=2, dark="#000", light="#fff", svgclass="qr", lineclass=None
    )


# Spoken codes ---------------------------------------------------------------------------------------------


def code_window_at(now: float) -> int:
    return int(now // CODE_SECONDS)


def make_code(session: ClassSession, window: int) -> str:
    number = int.from_bytes(_digest(session, f"code:{session.pk}:{window}")[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def current_code(session: ClassSession, *, now: float | None = None) -> str:
    return make_code(session, code_window_at(_now(now)))


def verify_code(session: ClassSession, code: str, *, now: float | None = None) -> int:
    """The window (minute) of the code if it is the one shown now, or the one before during the first seconds of
    a new minute (it was being read out as it changed); Refused(BAD_FORMAT) or Refused(WRONG_CODE) otherwise."""
    code = "".join(str(code or "").split())
    if not _CODE.fullmatch(code):
        raise Refused(_("Type the 6 digits shown on the presenter's screen."), reason=BAD_FORMAT)
    now = _now(now)
    window = code_window_at(now)
    if hmac.compare_digest(make_code(session, window), code):
        return window
    if now - window * CODE_SECONDS < CODE_GRACE_SECONDS and hmac.compare_digest(make_code(session, window - 1), code):
        return window - 1
    raise Refused(
        _("This is not the code shown now. Type the 6 digits on the presenter's screen (they change every minute)."),
        reason=WRONG_CODE,
    )


# Checking in ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedIn:
    enrolment: Enrolment
    attendance: Attendance
    new: bool  # False: they were already marked present


def enrolment_of(session: ClassSession, user) -> Enrolment | None:
    """The user's enrolment in the session's class, if they are enrolled (not waiting, not withdrawn)."""
    return own_enrolment(session.training_class_id, user)


def ready(session: ClassSession, user) -> Enrolment:
    """The learner's enrolment if check-in is open and they are enrolled; Refused otherwise."""
    if not session.checkin_open:
        raise Refused(_("Check-in for this session is closed. Ask the presenter."), reason=CLOSED)
    enrolment = enrolment_of(session, user)
    if enrolment is None:
        raise Refused(
            _("You are not enrolled in this class, so you cannot check in. Ask the class's organiser."),
            reason=NOT_ENROLLED,
        )
    return enrolment


def check_token(session: ClassSession, user, token: str, *, now: float | None = None) -> Enrolment:
    """Everything check_in_by_token checks, without writing: for the page the QR code opens."""
    enrolment = ready(session, user)
    verify_token(session, token, now=now)
    if CheckinUse.objects.filter(session=session, enrolment=enrolment, token=token).exists():
        raise Refused(_used_message(), reason=USED)
    return enrolment


def check_in_by_token(session: ClassSession, user, token: str, *, now: float | None = None) -> CheckedIn:
    """Check the signed-in learner in with the QR token they scanned: open, enrolled, genuine, not expired, not
    used before by them. Records Attendance(present, method qr), marks the session held, refreshes outcomes."""
    enrolment = ready(session, user)
    verify_token(session, token, now=now)
    return _check_in(session, enrolment, token, AttendanceMethod.QR, user)


def check_in_by_code(session: ClassSession, user, code: str, *, now: float | None = None) -> CheckedIn:
    """Check the signed-in learner in with the code the presenter reads out; five wrong codes in ten minutes
    and they must wait (Refused(LIMITED)), so the million codes cannot be tried."""
    enrolment = ready(session, user)
    wait = wait_minutes(session, enrolment)
    if wait:
        raise Refused(limited_message(wait), reason=LIMITED)
    try:
        window = verify_code(session, code, now=now)
    except Refused as error:
        if error.reason == WRONG_CODE:
            CheckinFailure.objects.create(session=session, enrolment=enrolment)
            left = WRONG_CODE_LIMIT - wrong_tries(session, enrolment)
            if left <= 0:
                raise Refused(limited_message(wait_minutes(session, enrolment) or 1), reason=LIMITED) from None
            raise Refused(
                str(error)
                + " "
                + ngettext(
                    "%(count)d more try before you must wait.", "%(count)d more tries before you must wait.", left
                )
                % {"count": left},
                reason=WRONG_CODE,
            ) from None
        raise
    return _check_in(session, enrolment, f"code:{window}", AttendanceMethod.CODE, user)


def _check_in(session: ClassSession, enrolment: Enrolment, token: str, method: str, user) -> CheckedIn:
    try:
        with transaction.atomic():
            CheckinUse.objects.create(session=session, enrolment=enrolment, token=token)
            new = record_presence(session, enrolment, method=method, by=user)
    except IntegrityError:
        raise Refused(_used_message(), reason=USED) from None
    attendance = Attendance.objects.get(session=session, enrolment=enrolment)
    return CheckedIn(enrolment=enrolment, attendance=attendance, new=new)


def _used_message() -> str:
    return _("You have already used this code. If you are not checked in yet, scan the code being shown now.")


def wrong_tries(session: ClassSession, enrolment: Enrolment) -> int:
    return _wrong(session, enrolment).count()


def wait_minutes(session: ClassSession, enrolment: Enrolment) -> int:
    """Minutes the learner must wait before typing a code again (0: they may type now)."""
    times = list(_wrong(session, enrolment).order_by("-at").values_list("at", flat=True)[:WRONG_CODE_LIMIT])
    if len(times) < WRONG_CODE_LIMIT:
        return 0
    free_at = times[-1] + WRONG_CODE_WINDOW
    return max(math.ceil((free_at - timezone.now()).total_seconds() / 60), 1)


def _wrong(session: ClassSession, enrolment: Enrolment):
    return CheckinFailure.objects.filter(
        session=session, enrolment=enrolment, at__gt=timezone.now() - WRONG_CODE_WINDOW
    )


def limited_message(minutes: int) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(minutes)d minute and try again, or scan the QR code.",
        "Too many wrong codes. Wait %(minutes)d minutes and try again, or scan the QR code.",
        minutes,
    ) % {"minutes": minutes}


# The presenter's screen -----------------------------------------------------------------------------------


def set_open(session: ClassSession, is_open: bool) -> bool:
    """Open or close check-in for the session; closing stops both the QR code and the spoken code."""
    changed = session.checkin_open != is_open
    if changed:
        session.checkin_open = is_open
        session.save(update_fields=["checkin_open"])
    return changed


def present_now(session: ClassSession) -> list[Attendance]:
    """Who is marked present at the session (any way), latest first."""
    return list(
        Attendance.objects.filter(session=session, present=True, enrolment__status=EnrolmentStatus.ENROLLED)
        .select_related("enrolment__staff")
        .order_by("-recorded_at", "-pk")
    )
