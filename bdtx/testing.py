"""Plain helpers that build test data with fixed defaults. No random data in tests."""

import datetime as dt
import itertools

from bdtx.accounts.models import User
from bdtx.accounts.services import grant_role
from bdtx.lib.schoolyear import school_year_of
from bdtx.organisations.models import Unit, UnitKind
from bdtx.organisations.services import create_unit
from bdtx.staff.models import StaffMember
from bdtx.staff.services import create_staff

_counter = itertools.count(1)
PASSWORD = "Mật-khẩu-thử-2026"


def make_unit(
    code: str, name: str | None = None, *, parent: Unit | None = None, kind: str = UnitKind.SCHOOL, levels: str = ""
) -> Unit:
    return create_unit(code=code, name=name or f"Đơn vị {code}", kind=kind, parent=parent, levels=levels)


def make_user(
    username: str, *, role: str | None = None, unit: Unit | None = None, email: str = "", password: str = PASSWORD
) -> User:
    user = User.objects.create_user(username=username, email=email, password=password, full_name=username)
    if role and unit:
        grant_role(user, role, unit)
    return user


def make_staff(
    unit: Unit, full_name: str = "Nguyễn Thị Hoà", *, code: str | None = None, user: User | None = None, **values
) -> StaffMember:
    values.setdefault("birth_date", dt.date(1985, 9, 5))
    values.setdefault("gender", "nu")
    member = create_staff(unit=unit, code=code or f"GV{next(_counter):06d}", full_name=full_name, **values)
    if user is not None:
        member.user = user
        member.save(update_fields=["user"])
    return member


def make_cycle(unit: Unit, *, year: int | None = None, by: User | None = None, title: str = "", **dates):
    """An appraisal cycle open today: self-assessment until in 10 days, opinions 15, evaluation 30."""
    from django.utils import timezone

    from bdtx.appraisals.services import open_cycle

    today = timezone.localdate()
    year = school_year_of(today) if year is None else year
    dates.setdefault("self_assessment_from", today - dt.timedelta(days=20))
    dates.setdefault("self_assessment_until", today + dt.timedelta(days=10))
    dates.setdefault("opinions_until", today + dt.timedelta(days=15))
    dates.setdefault("evaluation_until", today + dt.timedelta(days=30))
    return open_cycle(by=by, unit=unit, year=year, title=title or f"Đánh giá chuẩn năm học {year}-{year + 1}", **dates)


def make_class(
    organiser: Unit,
    *,
    year: int,
    code: str = "L01",
    content: str = "03",
    modules=(),
    periods: int = 40,
    sessions: int = 0,
    first_day: dt.date | None = None,
    tests: int = 1,
    by: User | None = None,
    **values,
):
    """A class open for enrolment, with `sessions` daily sessions from `first_day` (08:00–11:00, 4 periods)
    and `tests` tests."""
    from bdtx.delivery.models import Assessment, ClassSession, ClassStatus, TrainingClass

    values.setdefault("status", ClassStatus.OPEN)
    values.setdefault("title", f"Lớp {code}")
    training_class = TrainingClass.objects.create(
        organiser=organiser, year=year, code=code, content=content, periods=periods, created_by=by, **values
    )
    training_class.modules.set(modules)
    first_day = first_day or dt.date(year, 10, 5)
    for index in range(sessions):
        ClassSession.objects.create(
            training_class=training_class,
            date=first_day + dt.timedelta(days=index),
            starts_at=dt.time(8),
            ends_at=dt.time(11),
            place="Phòng họp trường",
        )
    for index in range(tests):
        Assessment.objects.create(training_class=training_class, title=f"Bài kiểm tra {index + 1}", position=index)
    return training_class


def enrol(training_class, *staff, source: str = "hand"):
    """Put people straight into a class (test set-up; the services check capacity and clashes)."""
    from bdtx.delivery.models import Enrolment, EnrolmentStatus

    return [
        Enrolment.objects.create(
            training_class=training_class, staff=member, status=EnrolmentStatus.ENROLLED, source=source
        )
        for member in staff
    ]
