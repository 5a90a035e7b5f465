"""Demo BDTX plans on top of seed_demo's province (and seed_demo_appraisals' training needs, when present), so the
plan pages have something to show: the Sở's split of this school year and its plan, the commune and school plans
derived from it, personal plans at every stage, the province's rate card and a few budgets.

The same seed gives the same data (only the dates follow today: the deadline must lie ahead when the demo runs).
Every personal plan past the draft stage meets the programme's period rule (bdtx.rules.periods), checked here
the way services.submit_personal_plan checks it. Written with bulk inserts."""

import contextlib
import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.accounts.models import Role, RoleAssignment, User
from bdtx.appraisals.models import TrainingNeed
from bdtx.appraisals.permissions import OFFICER_ROLES
from bdtx.catalog.models import TrainingModule
from bdtx.catalog.services import update_module
from bdtx.lib.schoolyear import school_year_of as school_year
from bdtx.organisations import demo as province_demo
from bdtx.organisations.demo import PROVINCE_CODE, Row, insert_rows
from bdtx.organisations.models import Unit, UnitKind
from bdtx.rules import periods as period_rules
from bdtx.rules.models import Programme, ProgrammeYear
from bdtx.rules.standards import matches, person_levels
from bdtx.staff.models import StaffGroup, StaffMember, Status

from .models import (
    BudgetLine,
    CostCategory,
    CostRate,
    PersonalPlan,
    PersonalPlanItem,
    PlanEvent,
    PlanStatus,
    PlanTopic,
    UnitPlan,
)
from .permissions import deciding_unit

# The Sở moves 10 periods from content 01 to 02 this year (the rule allows moving periods between 01 and 02).
SPLIT = {"01": 30, "02": 50}
# The circulars give no periods per module: the Sở sets every module of the catalogue at 10 periods.
MODULE_PERIODS = 10
DEADLINE_AHEAD = 21  # days from today to the personal plans' deadline
# Of the people who can make a plan: about 70% have one, 50% submitted it, 35% approved, a few returned.
PLAN_SHARE, SUBMITTED_OF_PLANS, APPROVED_OF_SUBMITTED, RETURNED_OF_SUBMITTED = 0.70, 0.72, 0.70, 0.06
COMMUNE_SUBMITTED, COMMUNE_APPROVED = 0.85, 0.65  # of the commune plans: submitted (then approved) by the Sở
SCHOOL_SUBMITTED, SCHOOL_APPROVED, SCHOOL_RETURNED = 0.80, 0.55, 0.04  # of the school plans
BUDGET_SCHOOLS = 4
DEMO = "dữ liệu demo"
RATE_SOURCE = "Nghị quyết mẫu số 01/2026/NQ-HĐND (ví dụ minh hoạ, dữ liệu demo, không phải văn bản thật)"
WRITTEN = [UnitPlan, UnitPlan.modules.through, PlanTopic, PersonalPlan, PersonalPlanItem, PlanEvent, BudgetLine]

# Topics of content 01 (set by the Ministry) and 02 (set by the Sở): (content, title, periods, levels).
TOPICS = [
    ("01", "Triển khai nhiệm vụ năm học {year} của ngành Giáo dục", 10, ""),
    ("01", "Thực hiện Chương trình giáo dục mầm non sửa đổi, bổ sung", 20, "mam_non"),
    ("01", "Dạy học và đánh giá học sinh tiểu học theo Chương trình giáo dục phổ thông 2018", 20, "tieu_hoc"),
    ("01", "Dạy học tích hợp các môn Khoa học tự nhiên, Lịch sử và Địa lí ở trung học cơ sở", 20, "thcs"),
    ("01", "Tổ chức dạy học các cụm chuyên đề học tập lựa chọn ở trung học phổ thông", 20, "thpt"),
    ("02", "Nội dung giáo dục địa phương tỉnh Lai Châu và cách tổ chức dạy học", 15, ""),
    ("02", "Chuyển đổi số trong dạy học và quản lý: học liệu số, hồ sơ điện tử", 15, ""),
    ("02", "Tăng cường tiếng Việt cho trẻ em, học sinh người dân tộc thiểu số", 10, ""),
    ("02", "Xây dựng trường học an toàn, phòng chống bạo lực học đường ở vùng cao", 10, ""),
]
SO_PLAN = {
    "objectives": (
        "Cập nhật kiến thức, kỹ năng đáp ứng yêu cầu nhiệm vụ năm học và phát triển năng lực nghề nghiệp theo chuẩn "
        "nghề nghiệp cho giáo viên, cán bộ quản lý các cơ sở giáo dục mầm non, phổ thông trên địa bàn tỉnh."
    ),
    "organisation": (
        "Kết hợp bồi dưỡng tập trung và từ xa; tự học theo mô đun có hướng dẫn của giáo viên cốt cán. Năm học này Sở "
        "điều chỉnh nội dung 01 còn 30 tiết, nội dung 02 là 50 tiết; nội dung 03 giữ 40 tiết. Thông tư 17/2019 không "
        f"quy định số tiết từng mô đun: Sở quy định mỗi mô đun {MODULE_PERIODS} tiết ({DEMO})."
    ),
    "outcomes": (
        "100% giáo viên, cán bộ quản lý có kế hoạch BDTX cá nhân được phê duyệt; tối thiểu 95% hoàn thành kế hoạch "
        "BDTX năm học."
    ),
    "targets": "Giáo viên, cán bộ quản lý các trường mầm non, tiểu học, THCS, THPT trên địa bàn tỉnh.",
}
LOCAL_PLAN = {
    "objectives": "Triển khai kế hoạch BDTX của cấp trên đến từng giáo viên, cán bộ quản lý của đơn vị.",
    "organisation": (
        "Nội dung 01, 02 học tập trung theo cụm trường; nội dung 03 tự học theo mô đun, sinh hoạt chuyên môn theo "
        "tổ để trao đổi, thực hành."
    ),
    "outcomes": "100% giáo viên có kế hoạch BDTX cá nhân được phê duyệt đúng hạn.",
    "targets": "Toàn bộ giáo viên, cán bộ quản lý của đơn vị.",
}
UNIT_RETURN_COMMENTS = [
    "Đề nghị bổ sung chỉ tiêu cụ thể về tỉ lệ giáo viên hoàn thành kế hoạch BDTX.",
    "Đề nghị bổ sung lịch sinh hoạt chuyên môn theo các mô đun giáo viên đã chọn.",
]
PLAN_RETURN_COMMENTS = [
    "Các mô đun đã chọn chưa bám sát kết quả đánh giá chuẩn nghề nghiệp năm trước; đề nghị xem lại.",
    "Đề nghị chọn thêm mô đun GVPT 14 để bồi dưỡng tiếng dân tộc phục vụ giảng dạy ở điểm trường.",
    "Đề nghị ghi rõ thời gian tự học từng mô đun cho phù hợp kế hoạch năm học của nhà trường.",
]
# The province's rate card: (category, label, per, maximum rate in đồng).
RATES = [
    (CostCategory.LECTURERS, "Báo cáo viên là giảng viên đại học, chuyên gia", "người/buổi", 1_000_000),
    (CostCategory.LECTURERS, "Báo cáo viên là lãnh đạo, chuyên viên Sở GDĐT", "người/buổi", 800_000),
    (CostCategory.LECTURERS, "Báo cáo viên là giáo viên, cán bộ quản lý cốt cán", "người/buổi", 500_000),
    (CostCategory.MATERIALS, "Tài liệu học tập", "bộ/học viên", 50_000),
    (CostCategory.VENUE, "Thuê hội trường, thiết bị", "ngày", 3_000_000),
    (CostCategory.MEALS, "Hỗ trợ tiền ăn học viên học tập trung", "học viên/ngày", 100_000),
    (CostCategory.LODGING_TRAVEL, "Hỗ trợ tiền nghỉ học viên", "học viên/đêm", 250_000),
    (CostCategory.LODGING_TRAVEL, "Hỗ trợ đi lại học viên (một lượt đi và về)", "học viên/lượt", 200_000),
    (
        CostCategory.REWARDS,
        "Khen thưởng học viên đạt loại giỏi, xuất sắc (tối đa theo TT 36/2018)",
        "học viên",
        200_000,
    ),
    (CostCategory.MANAGEMENT, "Tổ chức, quản lý lớp", "lớp", 2_000_000),
]


class DemoError(Exception):
    """The demo cannot be built here; the message says why and what to run first."""


@dataclass
class Summary:
    modules: int = 0
    unit_plans: int = 0
    unit_submitted: int = 0
    unit_approved: int = 0
    eligible: int = 0
    plans: int = 0
    submitted: int = 0
    approved: int = 0
    returned: int = 0
    budget_lines: int = 0


@dataclass
class Candidate:
    """A person who can make a plan this year: their programme, requirement, topics and the modules offered."""

    member: StaffMember
    programme: Programme
    requirement: period_rules.Requirement
    topics: list[PlanTopic]
    offered: list[TrainingModule]


@contextlib.contextmanager
def dated_history():
    """Let the rows keep the times given to them (saving would stamp them all with now)."""
    fields = [
        UnitPlan._meta.get_field("created_at"),
        UnitPlan._meta.get_field("updated_at"),
        PersonalPlan._meta.get_field("created_at"),
        PersonalPlan._meta.get_field("updated_at"),
        PlanEvent._meta.get_field("at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class Builder:
    """Builds the demo in memory from one random generator, then writes it in a few bulk inserts."""

    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        # Times come from a generator of their own: they follow today's date, the rest stays the same any day.
        self.clock = random.Random(f"{seed}:clock")
        self.today = today
        self.year = school_year(today)
        self.summary = Summary()
        self.unit_plans: list[UnitPlan] = []
        self.events: list[PlanEvent] = []
        self.personal: list[PersonalPlan] = []
        self.items: list[PersonalPlanItem] = []

    def moment(self, first: dt.date, last: dt.date) -> dt.datetime:
        """A working-hours time on a day between first and last (both included)."""
        last = max(first, last)
        day = first + dt.timedelta(days=self.clock.randrange((last - first).days + 1))
        return timezone.make_aware(
            dt.datetime.combine(day, dt.time(self.clock.randrange(7, 21), self.clock.randrange(60)))
        )

    def later(self, start: dt.datetime, last: dt.date) -> dt.datetime:
        soon = start + dt.timedelta(minutes=self.clock.randrange(5, 120))
        return max(soon, self.moment(start.date(), last))

    # Reading what is there ---------------------------------------------------------------------------------

    def load(self) -> None:
        province = Unit.objects.filter(code=PROVINCE_CODE).first()
        if province is None:
            raise DemoError(
                _("There is no demo province (unit %(code)s). Build it first: python manage.py seed_demo")
                % {"code": PROVINCE_CODE}
            )
        self.programmes = list(Programme.objects.prefetch_related("contents").order_by("code"))
        if not self.programmes:
            raise DemoError(_("No BDTX programmes are loaded. Load them first: python manage.py load_programmes"))
        self.modules = list(
            TrainingModule.objects.filter(owner__isnull=True, active=True).select_related("programme").order_by("code")
        )
        if not self.modules:
            raise DemoError(_("The module catalogue is empty. Load it first: python manage.py load_modules"))
        self.province = province
        self.units = {unit.pk: unit for unit in Unit.objects.within(province)}
        self.heads: dict[int, int] = {}  # unit id → the user of its principal's account
        self.officers: dict[int, int] = {}  # unit id → an officer's user
        roles = RoleAssignment.objects.filter(unit_id__in=self.units).order_by("pk")
        for unit_id, user_id, role in roles.values_list("unit_id", "user_id", "role"):
            if role == Role.SCHOOL_ADMIN:
                self.heads.setdefault(unit_id, user_id)
            elif role in OFFICER_ROLES:
                self.officers.setdefault(unit_id, user_id)
        users = dict(User.objects.filter(username__in=["so.chuyenvien", "so.admin"]).values_list("username", "pk"))
        self.officer = users.get("so.chuyenvien") or users.get("so.admin") or self.officers.get(province.pk)
        self.admin = users.get("so.admin") or self.officer
        self.staff = list(
            StaffMember.objects.filter(
                unit_id__in=self.units, status=Status.WORKING, group__in=[StaffGroup.TEACHER, StaffGroup.MANAGER]
            )
            .select_related("unit")
            .order_by("unit_id", "pk")
        )
        self.criteria_of: dict[int, set[int]] = defaultdict(set)
        through = TrainingModule.criteria.through
        for module_id, criterion_id in through.objects.filter(trainingmodule__in=self.modules).values_list(
            "trainingmodule_id", "criterion_id"
        ):
            self.criteria_of[module_id].add(criterion_id)
        # The needs of the latest appraisal before or in the plan's year, as the suggestions weigh them.
        needs = TrainingNeed.objects.filter(year__in=[self.year - 1, self.year], criterion__isnull=False)
        latest: dict[int, int] = {}
        rows = list(needs.values_list("staff_id", "year", "criterion_id", "source").order_by("staff_id", "pk"))
        for staff_id, year, _criterion, _source in rows:
            latest[staff_id] = max(year, latest.get(staff_id, year))
        self.needs: dict[int, Counter] = defaultdict(Counter)
        for staff_id, year, criterion_id, source in rows:
            if year == latest[staff_id]:
                self.needs[staff_id][criterion_id] += 2 if source == TrainingNeed.Source.RATING else 1

    # The Sở's choices --------------------------------------------------------------------------------------

    def set_module_periods(self) -> None:
        """The circulars leave each module's periods to the Sở: it sets those still empty (kept by load_modules)."""
        by = User.objects.filter(pk=self.officer).first()
        for module in self.modules:
            if not module.periods:
                update_module(module, by=by, periods=MODULE_PERIODS)
        self.summary.modules = len(self.modules)

    def split_year(self) -> None:
        """The province's ProgrammeYear of every programme: 01 and 02 split 30/50 where the programme allows it."""
        self.requirements: dict[int, period_rules.Requirement] = {}
        for programme in self.programmes:
            contents = list(programme.contents.all())
            base = {content.code: content.periods for content in contents}
            adjustable = {content.code for content in contents if content.adjustable}
            try:
                split = period_rules.adjusted(base, adjustable, {k: v for k, v in SPLIT.items() if k in base})
            except ValueError:
                split = base  # a programme whose 01/02 cannot move keeps its own periods
            year, created = ProgrammeYear.objects.get_or_create(
                unit=self.province,
                year=self.year,
                programme=programme,
                defaults={
                    "periods": {code: split[code] for code in sorted(adjustable)},
                    "note": f"Quyết định số 1234/QĐ-SGDĐT, kế hoạch BDTX năm học {self.year}-{self.year + 1} ({DEMO})",
                    "set_by_id": self.officer,
                },
            )
            periods = {**base, **{code: int(value) for code, value in year.periods.items()}}
            self.requirements[programme.pk] = period_rules.Requirement(periods=periods, total=programme.total_periods)

    def rate_card(self) -> list[CostRate]:
        """The province's rates (a demo resolution); kept as they are when the province already has some."""
        existing = list(CostRate.objects.filter(unit=self.province))
        if existing:
            return existing
        return CostRate.objects.bulk_create(
            CostRate(unit=self.province, category=category, label=label, per=per, max_rate=rate, source=RATE_SOURCE)
            for category, label, per, rate in RATES
        )

    # Unit plans --------------------------------------------------------------------------------------------

    def unit_plan(self, unit: Unit, parent: UnitPlan | None, created: dt.datetime) -> UnitPlan:
        school_year_text = f"{self.year}-{self.year + 1}"
        texts = SO_PLAN if parent is None else LOCAL_PLAN
        title = (
            f"Kế hoạch bồi dưỡng thường xuyên giáo viên, cán bộ quản lý năm học {school_year_text}"
            if parent is None
            else f"Kế hoạch bồi dưỡng thường xuyên năm học {school_year_text} – {unit.name}"
        )
        plan = UnitPlan(
            unit=unit,
            year=self.year,
            parent=parent,
            title=title[:255],
            personal_plan_deadline=self.today + dt.timedelta(days=DEADLINE_AHEAD),
            created_by_id=self.heads.get(unit.pk) or self.officers.get(unit.pk) or self.officer,
            created_at=created,
            updated_at=created,
            **texts,
        )
        self.unit_plans.append(plan)
        return plan

    def decide_unit_plan(self, plan: UnitPlan, *, submitted: float, approved: float, returned: float = 0.0) -> None:
        """Submitted to the level above, which approves most (or returns a few with a comment)."""
        roll, last = self.rng.random(), self.today - dt.timedelta(days=1)
        if roll >= submitted:
            return
        plan.status, plan.version = PlanStatus.SUBMITTED, 2
        plan.submitted_at = self.later(plan.created_at, last)
        plan.updated_at = plan.submitted_at
        self.events.append(
            PlanEvent(unit_plan=plan, by_id=plan.created_by_id, action=PlanEvent.Action.SUBMITTED, at=plan.submitted_at)
        )
        self.summary.unit_submitted += 1
        if roll >= approved + returned:
            return
        above = self.decider_above(plan.unit)
        plan.decided_by_id, plan.decided_at = above, self.later(plan.submitted_at, last)
        plan.updated_at, plan.version = plan.decided_at, 3
        if roll < approved:
            plan.status = PlanStatus.APPROVED
            action, comment = PlanEvent.Action.APPROVED, ""
            self.summary.unit_approved += 1
        else:
            plan.status = PlanStatus.RETURNED
            plan.return_comment = comment = self.rng.choice(UNIT_RETURN_COMMENTS)
            action = PlanEvent.Action.RETURNED
        self.events.append(PlanEvent(unit_plan=plan, by_id=above, action=action, comment=comment, at=plan.decided_at))

    def decider_above(self, unit: Unit) -> int | None:
        """An officer of the nearest unit above with one (the Sở's officer at the latest)."""
        return self.officer_at_or_above(self.units[unit.parent_id]) if unit.parent_id in self.units else self.officer

    def officer_at_or_above(self, unit: Unit) -> int | None:
        for pk in reversed(unit.ancestor_ids()):
            if pk in self.officers:
                return self.officers[pk]
        return self.officer

    def build_unit_plans(self) -> tuple[UnitPlan, dict[int, UnitPlan]]:
        """The Sở's plan (approved), then the communes' and schools' derived from the nearest plan above."""
        start = self.today - dt.timedelta(days=60)
        so = self.unit_plan(self.province, None, self.moment(start, start + dt.timedelta(days=3)))
        so.status, so.version = PlanStatus.APPROVED, 3
        so.submitted_at = self.later(so.created_at, start + dt.timedelta(days=6))
        so.decided_by_id, so.decided_at = self.admin, self.later(so.submitted_at, start + dt.timedelta(days=8))
        so.updated_at = so.decided_at
        self.events += [
            PlanEvent(unit_plan=so, by_id=so.created_by_id, action=PlanEvent.Action.SUBMITTED, at=so.submitted_at),
            PlanEvent(unit_plan=so, by_id=so.decided_by_id, action=PlanEvent.Action.APPROVED, at=so.decided_at),
        ]
        by_unit = {self.province.pk: so}
        communes = sorted(
            (u for u in self.units.values() if u.parent_id == self.province.pk and u.kind != UnitKind.SCHOOL),
            key=lambda u: u.path,
        )
        communes = [u for u in communes if u.kind != UnitKind.CONTINUING_CENTRE]
        for unit in communes:
            plan = self.unit_plan(unit, so, self.moment(start + dt.timedelta(days=8), start + dt.timedelta(days=15)))
            self.decide_unit_plan(plan, submitted=COMMUNE_SUBMITTED, approved=COMMUNE_APPROVED)
            by_unit[unit.pk] = plan
        schools = sorted(
            (u for u in self.units.values() if u.kind in (UnitKind.SCHOOL, UnitKind.CONTINUING_CENTRE)),
            key=lambda u: u.path,
        )
        for unit in schools:
            parent = next(by_unit[pk] for pk in reversed(unit.ancestor_ids()[:-1]) if pk in by_unit)
            plan = self.unit_plan(
                unit, parent, self.moment(start + dt.timedelta(days=15), start + dt.timedelta(days=25))
            )
            self.decide_unit_plan(plan, submitted=SCHOOL_SUBMITTED, approved=SCHOOL_APPROVED, returned=SCHOOL_RETURNED)
            by_unit[unit.pk] = plan
        self.summary.unit_plans = len(self.unit_plans) - 1
        return so, by_unit

    def topics(self, so: UnitPlan) -> list[PlanTopic]:
        return [
            PlanTopic(plan=so, content=content, title=title.format(year=f"{self.year}-{self.year + 1}"),
                      periods=periods, levels=levels, position=position)
            for position, (content, title, periods, levels) in enumerate(TOPICS, start=1)
        ]  # fmt: skip

    # Personal plans ----------------------------------------------------------------------------------------

    def candidates(self, topics: list[PlanTopic]) -> list[Candidate]:
        """The people who can meet the rule this year: a programme applies to them and the modules offered to
        them fill its content 03 (no module of the managers' or preschool programmes is catalogued yet)."""
        day = dt.date(self.year, 9, 5)
        valid = [
            p
            for p in self.programmes
            if (p.valid_from is None or p.valid_from <= day) and (p.valid_until is None or day <= p.valid_until)
        ]
        found = []
        for member in self.staff:
            levels = person_levels(member)
            programme = next((p for p in valid if matches(p.applies_to, member.group, levels, member.position)), None)
            if programme is None:
                continue
            requirement = self.requirements[programme.pk]
            offered = [
                m
                for m in self.modules
                if m.programme_id == programme.pk
                and m.periods
                and (not m.target or matches(m.target, member.group, levels, member.position))
            ]
            by_modules = {c.code for c in programme.contents.all() if c.by_modules}
            if any(
                sum(m.periods for m in offered if m.content == code) < requirement.periods[code] for code in by_modules
            ):
                continue
            mine = [t for t in topics if not t.levels or set(levels) & set(t.levels.split(","))]
            found.append(Candidate(member, programme, requirement, mine, offered))
        return found

    def ranked(self, candidate: Candidate) -> list[TrainingModule]:
        """The modules offered, those training the person's needs first (by weight), the others in any order."""
        needs = self.needs.get(candidate.member.pk, Counter())
        scored = [(sum(needs[c] for c in self.criteria_of[m.pk]), m) for m in candidate.offered]
        needed = sorted(((s, m) for s, m in scored if s), key=lambda pair: (-pair[0], pair[1].code))
        others = [m for s, m in scored if not s]
        self.rng.shuffle(others)
        return [m for _s, m in needed] + others

    def fill(self, candidate: Candidate, modules: list[TrainingModule]) -> list[TrainingModule]:
        """The first modules, in order, that fill each content made of modules."""
        chosen, planned = [], Counter()
        for module in modules:
            if planned[module.content] < candidate.requirement.periods.get(module.content, 0):
                chosen.append(module)
                planned[module.content] += module.periods
        return chosen

    def personal_plans(self, candidates: list[Candidate], by_unit: dict[int, UnitPlan]) -> None:
        rng, last = self.rng, self.today - dt.timedelta(days=1)
        first = self.today - dt.timedelta(days=30)
        by_school: dict[int, list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            by_school[candidate.member.unit_id].append(candidate)
        for unit_id in sorted(by_school):
            share = max(0.3, min(0.98, rng.gauss(PLAN_SHARE, 0.12)))
            for candidate in by_school[unit_id]:
                self.summary.eligible += 1
                if rng.random() >= share:
                    continue
                member = candidate.member
                created = self.moment(first, last)
                plan = PersonalPlan(
                    staff=member,
                    year=self.year,
                    unit_id=member.unit_id,
                    unit_plan=by_unit.get(member.unit_id),
                    programme=candidate.programme,
                    created_at=created,
                    updated_at=created,
                    version=1,
                )
                ranked = self.ranked(candidate)
                full = self.fill(candidate, ranked)
                submitting = rng.random() < SUBMITTED_OF_PLANS
                modules = full if submitting else full[: rng.randrange(len(full))]
                lines = [period_rules.Line(content=t.content, periods=t.periods) for t in candidate.topics] + [
                    period_rules.Line(content=m.content, periods=m.periods, module=m.code) for m in modules
                ]
                self.items += [
                    PersonalPlanItem(plan=plan, content=t.content, topic=t, periods=t.periods) for t in candidate.topics
                ]
                self.items += [
                    PersonalPlanItem(plan=plan, content=m.content, module=m, periods=m.periods) for m in modules
                ]
                plan.version += 1 + rng.randrange(3) if modules else 0  # the choice saved once or a few times
                plan.updated_at = self.later(created, last)
                self.personal.append(plan)
                self.summary.plans += 1
                if submitting and not period_rules.problems(candidate.requirement, lines):
                    self.submit_and_decide(plan, member, last)

    def submit_and_decide(self, plan: PersonalPlan, member: StaffMember, last: dt.date) -> None:
        rng = self.rng
        plan.status, plan.version = PlanStatus.SUBMITTED, plan.version + 1
        plan.submitted_at = plan.updated_at = self.later(plan.updated_at, last)
        self.events.append(
            PlanEvent(personal_plan=plan, by_id=member.user_id, action=PlanEvent.Action.SUBMITTED, at=plan.submitted_at)
        )
        self.summary.submitted += 1
        roll = rng.random()
        if roll >= APPROVED_OF_SUBMITTED + RETURNED_OF_SUBMITTED:
            return
        unit = deciding_unit(plan)  # the school; for a principal, the level above
        if unit is None:
            return
        head = self.heads.get(unit.pk) if unit.pk == member.unit_id else self.officer_at_or_above(unit)
        if head is None or head == member.user_id:
            return  # nobody to decide on it yet: it waits
        plan.decided_by_id, plan.decided_at = head, self.later(plan.submitted_at, last)
        plan.updated_at, plan.version = plan.decided_at, plan.version + 1
        if roll < APPROVED_OF_SUBMITTED:
            plan.status, action, comment = PlanStatus.APPROVED, PlanEvent.Action.APPROVED, ""
            self.summary.approved += 1
        else:
            plan.status, action = PlanStatus.RETURNED, PlanEvent.Action.RETURNED
            plan.return_comment = comment = rng.choice(PLAN_RETURN_COMMENTS)
            self.summary.returned += 1
        self.events.append(
            PlanEvent(personal_plan=plan, by_id=head, action=action, comment=comment, at=plan.decided_at)
        )

    # Budgets -----------------------------------------------------------------------------------------------

    def budgets(self, so: UnitPlan, rates: list[CostRate]) -> list[BudgetLine]:
        """The Sở's two classes, and a day of training in a few schools whose plan is approved."""
        card = {rate.label: rate for rate in rates}
        first = {}
        for rate in rates:
            first.setdefault(rate.category, rate)

        def line(plan, category, description, quantity, unit_label, label=None, course=""):
            rate = card.get(label) if label else first.get(category)
            return BudgetLine(
                plan=plan,
                category=category,
                description=description,
                quantity=Decimal(quantity),
                unit_label=unit_label,
                rate=rate.max_rate if rate else 0,
                rate_card=rate,
                course_ref=course,
            )

        year = self.year
        core, module = f"BD-{year}-01", f"BD-{year}-02"
        lines = [
            line(so, CostCategory.LECTURERS, "Báo cáo viên chuyên đề nội dung 02 (2 người × 4 buổi)", 8, "buổi",
                 "Báo cáo viên là lãnh đạo, chuyên viên Sở GDĐT", core),
            line(so, CostCategory.MATERIALS, "Tài liệu bồi dưỡng nội dung 02", 150, "bộ", course=core),
            line(so, CostCategory.VENUE, "Hội trường và thiết bị (2 ngày)", 2, "ngày", course=core),
            line(so, CostCategory.MEALS, "Hỗ trợ tiền ăn 150 giáo viên cốt cán × 2 ngày", 300, "học viên/ngày",
                 course=core),
            line(so, CostCategory.LODGING_TRAVEL, "Hỗ trợ đi lại giáo viên cốt cán các xã vùng cao", 150, "lượt",
                 "Hỗ trợ đi lại học viên (một lượt đi và về)", core),
            line(so, CostCategory.REWARDS, "Khen thưởng học viên đạt loại giỏi, xuất sắc", 15, "học viên", course=core),
            line(so, CostCategory.MANAGEMENT, "Tổ chức, quản lý lớp", 1, "lớp", course=core),
            line(so, CostCategory.LECTURERS, "Giảng viên mô đun GVPT 14 (tiếng dân tộc) × 6 buổi", 6, "buổi",
                 "Báo cáo viên là giảng viên đại học, chuyên gia", module),
            line(so, CostCategory.MATERIALS, "Tài liệu mô đun GVPT 14", 60, "bộ", course=module),
            line(so, CostCategory.MEALS, "Hỗ trợ tiền ăn 60 học viên × 3 ngày", 180, "học viên/ngày", course=module),
            line(so, CostCategory.LODGING_TRAVEL, "Hỗ trợ tiền nghỉ 60 học viên × 2 đêm", 120, "học viên/đêm",
                 "Hỗ trợ tiền nghỉ học viên", module),
            line(so, CostCategory.MANAGEMENT, "Tổ chức, quản lý lớp", 1, "lớp", course=module),
        ]  # fmt: skip
        staff_count = Counter(member.unit_id for member in self.staff)
        approved = [
            p
            for p in self.unit_plans
            if p.parent is not None and p.status == PlanStatus.APPROVED and staff_count[p.unit.pk]
        ]
        for plan in self.rng.sample(approved, min(BUDGET_SCHOOLS, len(approved))):
            people = staff_count[plan.unit.pk]
            lines += [
                line(plan, CostCategory.LECTURERS, "Giáo viên cốt cán hướng dẫn sinh hoạt chuyên môn nội dung 02", 2,
                     "buổi", "Báo cáo viên là giáo viên, cán bộ quản lý cốt cán"),
                line(plan, CostCategory.MATERIALS, "Tài liệu cho giáo viên của trường", people, "bộ"),
            ]  # fmt: skip
        self.summary.budget_lines = len(lines)
        return lines

    # Writing -----------------------------------------------------------------------------------------------

    def write(self) -> None:
        self.set_module_periods()
        self.split_year()
        rates = self.rate_card()
        so, by_unit = self.build_unit_plans()
        topics = self.topics(so)
        candidates = self.candidates(topics)
        self.personal_plans(candidates, by_unit)
        lines = self.budgets(so, rates)
        with dated_history():
            # Level by level, each row knowing its parent's key (worked out before: setting parent_id forgets .parent).
            first = [p for p in self.unit_plans if p.parent is so]
            second = [p for p in self.unit_plans if p.parent is not None and p.parent is not so]
            insert_rows(UnitPlan, [so])
            self.insert_plans(first)
            self.insert_plans(second)
            for topic in topics:
                topic.plan_id = so.pk
            insert_rows(PlanTopic, topics)
            through = UnitPlan.modules.through
            insert_rows(
                through,
                [
                    Row(through, unitplan_id=plan.pk, trainingmodule_id=m.pk)
                    for plan in self.unit_plans
                    for m in self.modules
                ],
            )
            for plan in self.personal:
                plan.staff_id, plan.programme_id = plan.staff.pk, plan.programme.pk
                plan.unit_plan_id = plan.unit_plan.pk if plan.unit_plan else None
            insert_rows(PersonalPlan, self.personal)
            for item in self.items:
                item.plan_id = item.plan.pk
                item.topic_id = item.topic.pk if item.topic else None
                item.module_id = item.module.pk if item.module else None
            insert_rows(PersonalPlanItem, self.items)
            for event in self.events:
                event.unit_plan_id = event.unit_plan.pk if event.unit_plan else None
                event.personal_plan_id = event.personal_plan.pk if event.personal_plan else None
            insert_rows(PlanEvent, self.events)
        for budget_line in lines:
            budget_line.plan_id = budget_line.plan.pk
        insert_rows(BudgetLine, lines)
        # PostgreSQL sequences do not follow ids given by hand (SQLite's AUTOINCREMENT does).
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), WRITTEN):
                cursor.execute(statement)

    @staticmethod
    def insert_plans(plans: list[UnitPlan]) -> None:
        for plan in plans:
            plan.parent_id = plan.parent.pk
        insert_rows(UnitPlan, plans)


@transaction.atomic
def seed(*, seed: int = 2026, today: dt.date | None = None) -> Summary:
    """Build the demo plans into a database holding seed_demo's province, the programmes and the module catalogue;
    DemoError when one is missing. Run it on a database without unit plans."""
    builder = Builder(seed, today or timezone.localdate())
    builder.load()
    # insert_rows keeps the next free id of each table between calls: start from the database, forget them after.
    province_demo._NEXT_IDS.clear()
    try:
        builder.write()
    finally:
        province_demo._NEXT_IDS.clear()
    return builder.summary
