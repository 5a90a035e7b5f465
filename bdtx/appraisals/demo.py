"""Demo appraisals on top of seed_demo's province, so the pages of the appraisal cycle have something to show:
last school year's cycle fully done, this year's open now with people still to chase, subject groups in
every school, evidence, colleagues' opinions and training needs.

The same seed gives the same data (only the dates follow today: the cycle must be open when the demo runs).
Levels are drawn per person around an "ability"; every rating comes from the standard's rule (classify),
never typed. Written with bulk inserts; the training needs come from services.refresh_needs."""

import contextlib
import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bdtx.accounts.models import Role, RoleAssignment, User
from bdtx.lib.schoolyear import school_year_of as school_year
from bdtx.organisations import demo as province_demo
from bdtx.organisations.demo import PROVINCE_CODE, Row, insert_rows
from bdtx.organisations.models import Level, Unit
from bdtx.rules.classification import RANK
from bdtx.rules.models import Standard, Subject
from bdtx.rules.standards import standard_for
from bdtx.staff.models import StaffGroup, StaffMember, Status

from . import services
from .models import (
    Appraisal,
    AppraisalCycle,
    AppraisalEvent,
    EvaluationPolicy,
    Evidence,
    Opinion,
    StandardChoice,
    SubjectGroup,
)
from .permissions import OFFICER_ROLES, superior_unit

BATCH = 1000
CODES = ["chua_dat", "dat", "kha", "tot"]
LEVEL_NAMES = {"chua_dat": "Chưa đạt", "dat": "Đạt", "kha": "Khá", "tot": "Tốt"}
# A person's ability is their typical criterion level (1 = Đạt, 3 = Tốt); each criterion varies around it.
# Tuned so that self-ratings come out about 18% Tốt, 61% Khá, 20% Đạt and under 1% Chưa đạt.
ABILITY_MEAN, ABILITY_SPREAD, CRITERION_SPREAD = 2.3, 0.55, 0.28
LAST_YEAR_GAIN = 0.12  # people rate a little better each year
LOWERED, RAISED = 0.04, 0.01  # the head's changes to a criterion's self-assessed level
# This year's self-assessment: the share of a school that has submitted varies (about 65% overall); 15% are drafts.
SUBMITTED_SHARE, DRAFT_SHARE = 0.67, 0.15
EVALUATING_SCHOOLS = 0.5  # schools whose head has started evaluating (and decided to evaluate every year)
CONFIRMED_SHARE, EVALUATION_DRAFT_SHARE = 0.4, 0.1  # of the submitted self-assessments in those schools
OPINION_GROUPS = 0.3  # subject groups whose members have started giving opinions (form 02)
GROUP_MIN, GROUP_MAX = 4, 8
WRITTEN = [Appraisal, Evidence, Opinion, AppraisalEvent, SubjectGroup, SubjectGroup.members.through]

# The subject group a secondary school usually puts a subject in.
SUBJECT_GROUPS = {
    "Toán": "Tổ Toán – Tin",
    "Tin học": "Tổ Toán – Tin",
    "Tin học và Công nghệ": "Tổ Toán – Tin",
    "Ngữ văn": "Tổ Ngữ văn",
    "Tiếng Anh": "Tổ Ngoại ngữ",
    "Khoa học tự nhiên": "Tổ Khoa học tự nhiên",
    "Vật lí": "Tổ Khoa học tự nhiên",
    "Hoá học": "Tổ Khoa học tự nhiên",
    "Sinh học": "Tổ Khoa học tự nhiên",
    "Công nghệ": "Tổ Khoa học tự nhiên",
    "Lịch sử và Địa lí": "Tổ Khoa học xã hội",
    "Lịch sử": "Tổ Khoa học xã hội",
    "Địa lí": "Tổ Khoa học xã hội",
    "Giáo dục công dân": "Tổ Khoa học xã hội",
    "Giáo dục kinh tế và pháp luật": "Tổ Khoa học xã hội",
    "Giáo dục thể chất": "Tổ Thể dục – Nghệ thuật",
    "Âm nhạc": "Tổ Thể dục – Nghệ thuật",
    "Mĩ thuật": "Tổ Thể dục – Nghệ thuật",
    "Giáo dục quốc phòng và an ninh": "Tổ Thể dục – Nghệ thuật",
}
CLASS_TEACHERS = "Tổ 1-2-3-4-5"  # primary class teachers, split by grades
PRESCHOOL = "Tổ Mẫu giáo"
MIXED = "Tổ Tổng hợp"  # where the subjects too small for a group of their own meet
SPLIT_NAMES = {
    CLASS_TEACHERS: {2: ["Tổ 1-2-3", "Tổ 4-5"], 3: ["Tổ 1-2", "Tổ 3-4", "Tổ 5"], 4: ["Tổ 1", "Tổ 2-3", "Tổ 4", "Tổ 5"],
                     5: ["Tổ 1", "Tổ 2", "Tổ 3", "Tổ 4", "Tổ 5"]},
    PRESCHOOL: {2: ["Tổ Nhà trẻ", "Tổ Mẫu giáo"], 3: ["Tổ Nhà trẻ", "Tổ Mẫu giáo bé – nhỡ", "Tổ Mẫu giáo lớn"],
                4: ["Tổ Nhà trẻ", "Tổ Mẫu giáo bé", "Tổ Mẫu giáo nhỡ", "Tổ Mẫu giáo lớn"]},
}  # fmt: skip

STRENGTHS = [
    "Có phẩm chất đạo đức tốt, tận tụy, yêu thương học sinh.",
    "Nắm vững kiến thức chuyên môn; vận dụng linh hoạt các phương pháp dạy học tích cực.",
    "Tích cực ứng dụng công nghệ thông tin trong soạn giảng và quản lý lớp học.",
    "Phối hợp tốt với cha mẹ học sinh và thôn bản trong vận động học sinh ra lớp đầy đủ.",
    "Sử dụng được tiếng dân tộc, gần gũi và hiểu hoàn cảnh học sinh vùng cao.",
    "Chủ động tự học, hoàn thành đầy đủ các mô đun bồi dưỡng thường xuyên.",
    "Nhiệt tình tham gia sinh hoạt chuyên môn theo nghiên cứu bài học.",
]
WEAKNESSES = [
    "Đổi mới kiểm tra, đánh giá theo hướng phát triển phẩm chất, năng lực còn hạn chế.",
    "Ứng dụng công nghệ thông tin trong dạy học chưa thường xuyên.",
    "Khả năng sử dụng ngoại ngữ còn hạn chế.",
    "Chưa có sáng kiến kinh nghiệm được công nhận cấp huyện, cấp tỉnh.",
    "Tư vấn, hỗ trợ học sinh có hoàn cảnh khó khăn chưa đạt hiệu quả cao.",
    "Việc xây dựng kế hoạch dạy học theo chủ đề còn lúng túng.",
]
PLANS = [
    "Hoàn thành các mô đun bồi dưỡng thường xuyên của năm học; tự học nâng cao kỹ năng tin học.",
    "Dự giờ đồng nghiệp ít nhất 2 tiết mỗi tháng; thực hiện một chuyên đề đổi mới phương pháp dạy học.",
    "Học tiếng Anh đạt bậc 2 trong năm học; sử dụng học liệu số trong các tiết dạy.",
    "Tham gia sinh hoạt chuyên môn trên mạng \u201cTrường học kết nối\u201d; viết một sáng kiến kinh nghiệm.",
    "Tăng cường phối hợp với cha mẹ học sinh; theo dõi, hỗ trợ học sinh có nguy cơ bỏ học.",
]
NEEDS = [
    "Bồi dưỡng về kiểm tra, đánh giá học sinh theo Chương trình giáo dục phổ thông 2018.",
    "Bồi dưỡng kỹ năng ứng dụng công nghệ thông tin và chuyển đổi số trong dạy học.",
    "Bồi dưỡng tiếng dân tộc và phương pháp dạy học sinh dân tộc thiểu số.",
    "Bồi dưỡng về tư vấn tâm lý và hỗ trợ học sinh.",
]
NOTES = [
    "Có kế hoạch bài dạy và biên bản dự giờ kèm theo.",
    "Đã hoàn thành mô đun bồi dưỡng thường xuyên liên quan.",
    "Được tổ chuyên môn ghi nhận trong sinh hoạt chuyên môn.",
    "Cần tiếp tục cố gắng trong năm học tới.",
]
EVIDENCE = [
    ("Kế hoạch bài dạy", "Kế hoạch bài dạy theo Công văn 5512/BGDĐT-GDTrH, có nhận xét của tổ trưởng."),
    ("Biên bản dự giờ", "Biên bản dự giờ, đánh giá tiết dạy của tổ chuyên môn."),
    ("Giấy chứng nhận bồi dưỡng thường xuyên", "Giấy chứng nhận hoàn thành các mô đun bồi dưỡng thường xuyên."),
    ("Sáng kiến kinh nghiệm", "Sáng kiến kinh nghiệm được Hội đồng khoa học nhà trường công nhận."),
    ("Sổ chủ nhiệm", "Sổ chủ nhiệm, theo dõi học sinh và liên lạc với cha mẹ học sinh."),
    ("Kết quả học tập của học sinh", "Bảng tổng hợp kết quả học tập của các lớp phụ trách."),
    ("Giấy khen giáo viên dạy giỏi", "Giấy khen giáo viên dạy giỏi cấp trường."),
    ("Biên bản họp cha mẹ học sinh", "Biên bản họp cha mẹ học sinh đầu năm học."),
]
PRINCIPAL_EVIDENCE = [
    ("Kế hoạch phát triển nhà trường", "Kế hoạch phát triển nhà trường giai đoạn 2025–2030 đã được phê duyệt."),
    ("Báo cáo tổng kết năm học", "Báo cáo tổng kết năm học, có số liệu chất lượng giáo dục."),
    ("Quy chế chi tiêu nội bộ", "Quy chế chi tiêu nội bộ và công khai tài chính của nhà trường."),
    ("Kế hoạch bồi dưỡng giáo viên", "Kế hoạch bồi dưỡng thường xuyên của nhà trường."),
]
OPINION_STRENGTHS = [
    "Nhiệt tình, trách nhiệm với học sinh.",
    "Chuyên môn vững, hay giúp đỡ đồng nghiệp.",
    "Đoàn kết, gương mẫu trong tập thể.",
    "Tích cực đổi mới phương pháp dạy học.",
]
OPINION_WEAKNESSES = [
    "Cần tăng cường ứng dụng công nghệ thông tin.",
    "Cần chú ý hơn đến học sinh có học lực yếu.",
    "",
    "",
]


class DemoError(Exception):
    """The demo cannot be built here; the message says why and what to run first."""


@dataclass
class Summary:
    cycles: int = 0
    groups: int = 0
    expected: int = 0
    submitted: int = 0
    drafts: int = 0
    confirmed: int = 0
    last_year: int = 0


@dataclass
class Person:
    member: StaffMember
    standard: Standard
    ability: float


@contextlib.contextmanager
def dated_history():
    """Let the rows keep the times given to them: saving would stamp them all with now, but last year's
    submissions happened last year."""
    fields = [
        Appraisal._meta.get_field("created_at"),
        Appraisal._meta.get_field("updated_at"),
        AppraisalEvent._meta.get_field("at"),
        Evidence._meta.get_field("added_at"),
        Opinion._meta.get_field("updated_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def draw_levels(rng: random.Random, count: int, ability: float) -> dict[str, str]:
    levels = {}
    for number in range(1, count + 1):
        rank = round(ability + rng.gauss(0, CRITERION_SPREAD))
        levels[str(number)] = CODES[max(1, min(3, rank))]
    if ability < 1.35 and rng.random() < 0.2:  # the rare person who does not meet a criterion
        for number in rng.sample(range(1, count + 1), rng.randint(1, 2)):
            levels[str(number)] = "chua_dat"
    return levels


def evaluate(rng: random.Random, own: dict[str, str]) -> tuple[dict[str, str], dict[str, str], str]:
    """The head's levels: mostly the person's own, a criterion lowered now and then, rarely one raised."""
    final, comments = {}, {}
    for number, code in own.items():
        rank, roll = RANK[code], rng.random()
        if roll < LOWERED and rank > 1:
            rank -= 1
        elif roll > 1 - RAISED and rank < 3:
            rank += 1
        final[number] = CODES[rank]
        if final[number] != code:
            comments[number] = f"Minh chứng chưa tương xứng với mức {LEVEL_NAMES[code]} đã tự đánh giá."
    if comments:
        numbers = ", ".join(sorted(comments, key=int))
        return final, comments, f"Điều chỉnh tiêu chí {numbers} so với tự đánh giá cho phù hợp với minh chứng."
    return final, comments, "Nhất trí với kết quả tự đánh giá."


def chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def split(members: list, parts: int) -> list[list]:
    """Members in `parts` consecutive runs whose sizes differ by one at most."""
    size, extra = divmod(len(members), parts)
    runs, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        runs.append(members[start:end])
        start = end
    return runs


def plan_groups(teachers: list[StaffMember]) -> list[tuple[str, list[StaffMember]]]:
    """A school's subject groups of 4–8 teachers by subject; subjects with too few teachers share a mixed group.
    A school of fewer than three teachers has none (a group needs three members)."""
    clusters: dict[str, list[StaffMember]] = defaultdict(list)
    for member in teachers:
        if member.levels == Level.PRESCHOOL:
            name = PRESCHOOL
        elif member.subjects in SUBJECT_GROUPS:
            name = SUBJECT_GROUPS[member.subjects]
        elif member.levels == Level.PRIMARY:
            name = CLASS_TEACHERS
        else:
            name = MIXED
        clusters[name].append(member)
    small = [name for name, members in clusters.items() if len(members) < GROUP_MIN]
    pool = [member for name in small for member in clusters.pop(name)]
    if pool:
        if len(pool) >= GROUP_MIN or not clusters:
            clusters[MIXED] = clusters.get(MIXED, []) + pool
        else:  # too few for a group of their own: they join the smallest group
            smallest = min(clusters, key=lambda name: (len(clusters[name]), name))
            clusters[smallest] += pool
    groups = []
    for name, members in sorted(clusters.items()):
        if len(members) < 3:
            continue
        parts = math.ceil(len(members) / GROUP_MAX)
        names = SPLIT_NAMES.get(name, {}).get(parts) or (
            [name] if parts == 1 else [f"{name} {index}" for index in range(1, parts + 1)]
        )
        groups += zip(names, split(members, parts), strict=True)
    return groups


class Builder:
    """Builds the demo in memory from one random generator, then writes it in a few bulk inserts."""

    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        # Times come from a generator of their own: they follow today's date, the rest stays the same any day.
        self.clock = random.Random(f"{seed}:clock")
        self.today = today
        self.summary = Summary()
        self.appraisals: list[Appraisal] = []
        self.events: list[AppraisalEvent] = []
        self.evidence: list[Evidence] = []
        self.opinions: list[Opinion] = []
        self.confirmed: list[Appraisal] = []

    def moment(self, first: dt.date, last: dt.date) -> dt.datetime:
        """A working-hours time on a day between first and last (both included)."""
        day = first + dt.timedelta(days=self.clock.randrange((last - first).days + 1))
        return timezone.make_aware(
            dt.datetime.combine(day, dt.time(self.clock.randrange(7, 22), self.clock.randrange(60)))
        )

    def later(self, start: dt.datetime, last: dt.date) -> dt.datetime:
        """A moment a little after `start`, or on a later day up to `last`."""
        soon = start + dt.timedelta(minutes=self.clock.randrange(5, 90))
        return max(soon, self.moment(start.date(), max(last, start.date())))

    def load(self) -> None:
        province = Unit.objects.filter(code=PROVINCE_CODE).first()
        if province is None:
            raise DemoError(
                _("There is no demo province (unit %(code)s). Build it first: python manage.py seed_demo")
                % {"code": PROVINCE_CODE}
            )
        self.standards = list(Standard.objects.all())
        if not self.standards:
            raise DemoError(_("No professional standards are loaded. Load them first: python manage.py load_standards"))
        self.province = province
        self.units = {unit.pk: unit for unit in Unit.objects.within(province)}
        self.heads: dict[int, int] = {}  # unit id → the user of its principal's account
        self.officers: dict[int, int] = {}  # unit id → an officer's user
        self.teacher_accounts: set[int] = set()  # units with teachers' accounts
        roles = RoleAssignment.objects.filter(unit_id__in=self.units).order_by("pk")
        for unit_id, user_id, role in roles.values_list("unit_id", "user_id", "role"):
            if role == Role.SCHOOL_ADMIN:
                self.heads.setdefault(unit_id, user_id)
            elif role in OFFICER_ROLES:
                self.officers.setdefault(unit_id, user_id)
            elif role == Role.TEACHER:
                self.teacher_accounts.add(unit_id)
        users = {user.username: user for user in User.objects.filter(username__in=["so.chuyenvien", "so.admin"])}
        self.opener = users.get("so.chuyenvien") or users.get("so.admin")
        staff = (
            StaffMember.objects.filter(
                unit_id__in=self.units, status=Status.WORKING, group__in=[StaffGroup.TEACHER, StaffGroup.MANAGER]
            )
            .select_related("unit")
            .order_by("unit_id", "pk")
        )
        self.staff = list(staff)
        self.choices = dict(StandardChoice.objects.values_list("staff", "standard"))

    def open_cycles(self) -> None:
        year, today = school_year(self.today), self.today
        self.last_cycle = services.open_cycle(
            by=self.opener,
            unit=self.province,
            year=year - 1,
            title=f"Đánh giá chuẩn nghề nghiệp năm học {year - 1}-{year}",
            self_assessment_from=dt.date(year, 4, 10),
            self_assessment_until=dt.date(year, 5, 5),
            opinions_until=dt.date(year, 5, 12),
            evaluation_until=dt.date(year, 5, 31),
        )
        self.cycle = services.open_cycle(
            by=self.opener,
            unit=self.province,
            year=year,
            title=f"Đánh giá chuẩn nghề nghiệp năm học {year}-{year + 1}",
            self_assessment_from=today - dt.timedelta(days=10),
            self_assessment_until=today + dt.timedelta(days=14),
            opinions_until=today + dt.timedelta(days=21),
            evaluation_until=today + dt.timedelta(days=35),
        )
        self.summary.cycles = 2

    def people(self) -> dict[int, list[Person]]:
        """The people rated by a standard, school by school, each with their ability."""
        by_pk = {standard.pk: standard for standard in self.standards}
        by_school: dict[int, list[Person]] = defaultdict(list)
        for member in self.staff:
            standard = by_pk.get(self.choices.get(member.pk)) or standard_for(
                member, self.cycle.self_assessment_from, standards=self.standards
            )
            ability = self.rng.gauss(ABILITY_MEAN, ABILITY_SPREAD)
            if standard is not None:
                by_school[member.unit_id].append(Person(member, standard, ability))
        return by_school

    def evaluator(self, person: Person) -> int | None:
        if person.standard.subject == Subject.PRINCIPAL:
            above = superior_unit(self.units[person.member.unit_id], known=self.units)
            return self.officers.get(above.pk) if above else None
        return self.heads.get(person.member.unit_id)

    def appraisal(self, cycle: AppraisalCycle, person: Person, created: dt.datetime) -> Appraisal:
        appraisal = Appraisal(
            cycle=cycle,
            staff=person.member,
            standard=person.standard,
            unit=person.member.unit,
            created_at=created,
            updated_at=created,
        )
        self.appraisals.append(appraisal)
        return appraisal

    def self_assess(self, appraisal: Appraisal, ability: float, submitted_at: dt.datetime) -> None:
        rng, count = self.rng, appraisal.standard.criteria_count
        appraisal.self_levels = draw_levels(rng, count, ability)
        appraisal.self_notes = {str(n): rng.choice(NOTES) for n in sorted(rng.sample(range(1, count + 1), 2))}
        appraisal.strengths = " ".join(rng.sample(STRENGTHS, 2))
        appraisal.weaknesses = rng.choice(WEAKNESSES)
        appraisal.development_plan = rng.choice(PLANS)
        if rng.random() < 0.35:
            lowest = services.lowest_criteria(appraisal.levels("self"))
            appraisal.declared_criteria = sorted(rng.sample(lowest, min(2, len(lowest))))
            appraisal.declared_needs = rng.choice(NEEDS)
        appraisal.self_rating = appraisal.standard.classify(appraisal.levels("self"))
        appraisal.self_status = Appraisal.SelfStatus.SUBMITTED
        appraisal.self_submitted_at = submitted_at
        appraisal.updated_at = submitted_at
        appraisal.version = rng.randint(2, 7)
        self.events.append(
            AppraisalEvent(
                appraisal=appraisal,
                at=submitted_at,
                by_id=appraisal.staff.user_id,
                action=AppraisalEvent.Action.SUBMITTED,
                details={"rating": appraisal.self_rating},
            )
        )

    def draft(self, appraisal: Appraisal, ability: float) -> None:
        rng, count = self.rng, appraisal.standard.criteria_count
        levels = draw_levels(rng, count, ability)
        filled = rng.randint(2, count - 1)  # people fill the form from the top
        appraisal.self_levels = {n: code for n, code in levels.items() if int(n) <= filled}
        appraisal.strengths = rng.choice(STRENGTHS) if rng.random() < 0.5 else ""
        appraisal.version = rng.randint(1, 4)

    def evaluation(self, appraisal: Appraisal, by: int | None, at: dt.datetime, *, confirm: bool) -> None:
        final, comments, comment = evaluate(self.rng, appraisal.self_levels)
        appraisal.final_levels, appraisal.final_comments, appraisal.evaluation_comment = final, comments, comment
        appraisal.final_rating = appraisal.standard.classify(appraisal.levels("final"))
        appraisal.evaluated_by_id = by
        appraisal.updated_at = at
        appraisal.version += 1
        if not confirm:
            appraisal.evaluation_status = Appraisal.EvaluationStatus.DRAFT
            return
        appraisal.evaluation_status = Appraisal.EvaluationStatus.CONFIRMED
        appraisal.confirmed_at = at
        self.confirmed.append(appraisal)

    def diligence(self) -> float:
        """The share of their Khá and Tốt criteria a person backs with evidence: all of them for some, part for most
        (the others are what the reviewer's "no evidence" flag is for)."""
        return 1.0 if self.rng.random() < 0.4 else self.rng.uniform(0.1, 0.6)

    def add_evidence(self, appraisal: Appraisal, share: float) -> None:
        """Evidence (text, sometimes a link) for some criteria rated Khá or Tốt, and now and then the whole form."""
        rng = self.rng
        bank = PRINCIPAL_EVIDENCE + EVIDENCE[:2] if appraisal.standard.subject == Subject.PRINCIPAL else EVIDENCE
        numbers = [int(n) for n, code in appraisal.self_levels.items() if RANK[code] >= RANK["kha"]]
        chosen = [n for n in sorted(numbers) if rng.random() < share]
        if rng.random() < share:
            chosen.append(None)
        added = appraisal.self_submitted_at or appraisal.updated_at
        for number in chosen:
            title, description = rng.choice(bank)
            url = ""
            if rng.random() < 0.3:
                site = f"https://{appraisal.unit.code.lower()}.laichau.edu.vn"
                url = f"{site}/minh-chung/{appraisal.staff.code}-{number or 0}"
            self.evidence.append(
                Evidence(
                    appraisal=appraisal,
                    criterion_number=number,
                    title=title,
                    description=description,
                    url=url,
                    added_by_id=appraisal.staff.user_id,
                    added_at=max(appraisal.created_at, added - dt.timedelta(minutes=self.clock.randrange(5, 600))),
                )
            )

    def last_year(self, by_school: dict[int, list[Person]]) -> None:
        """Everyone who worked then self-assessed and was evaluated: all submitted and confirmed."""
        cycle = self.last_cycle
        for unit_id in sorted(by_school):
            for person in by_school[unit_id]:
                if person.member.joined_on > cycle.self_assessment_from:
                    continue  # joined since
                started = self.moment(cycle.self_assessment_from, cycle.self_assessment_until)
                appraisal = self.appraisal(cycle, person, started)
                submitted = self.later(started, cycle.self_assessment_until)
                self.self_assess(appraisal, person.ability - LAST_YEAR_GAIN, submitted)
                self.add_evidence(appraisal, self.diligence() / 3)  # kept light: the demo is about this year
                confirmed = self.moment(cycle.opinions_until, cycle.evaluation_until)
                self.evaluation(appraisal, self.evaluator(person), max(confirmed, submitted), confirm=True)
                self.summary.last_year += 1

    def this_year(self, by_school: dict[int, list[Person]]) -> set[int]:
        """Self-assessment under way (submitted, drafts, not started: the share varies by school), evaluation
        begun in some schools. Returns those schools."""
        # Everything so far happened by yesterday: times follow the date, not the clock, so a rerun gives the same.
        rng, cycle, today = self.rng, self.cycle, self.today - dt.timedelta(days=1)
        evaluating = set()
        for unit_id in sorted(by_school):
            submitted_share = max(0.2, min(0.98, rng.gauss(SUBMITTED_SHARE, 0.15)))
            # The schools whose teachers have demo accounts show evaluation under way to whoever signs in there.
            if rng.random() < EVALUATING_SCHOOLS or unit_id in self.teacher_accounts:
                evaluating.add(unit_id)
            for person in by_school[unit_id]:
                self.summary.expected += 1
                roll = rng.random()
                if roll >= submitted_share + DRAFT_SHARE:
                    continue  # not started
                appraisal = self.appraisal(cycle, person, self.moment(cycle.self_assessment_from, today))
                if roll >= submitted_share:
                    self.draft(appraisal, person.ability)
                    appraisal.updated_at = self.later(appraisal.created_at, today)
                    self.add_evidence(appraisal, 0.1)
                    self.summary.drafts += 1
                    continue
                self.self_assess(appraisal, person.ability, self.later(appraisal.created_at, today))
                self.add_evidence(appraisal, self.diligence())
                self.summary.submitted += 1
                if unit_id in evaluating:
                    step, at = rng.random(), self.later(appraisal.self_submitted_at, today)
                    if step < CONFIRMED_SHARE:
                        self.evaluation(appraisal, self.evaluator(person), at, confirm=True)
                        self.summary.confirmed += 1
                    elif step < CONFIRMED_SHARE + EVALUATION_DRAFT_SHARE:
                        self.evaluation(appraisal, self.evaluator(person), at, confirm=False)
        return evaluating

    def groups(self, by_school: dict[int, list[Person]]) -> list[tuple[SubjectGroup, list[StaffMember]]]:
        """Subject groups of the teachers of every school, each with a leader (the "tổ trưởng" when there is one)."""
        teachers: dict[int, list[StaffMember]] = defaultdict(list)
        for member in self.staff:
            if member.group == StaffGroup.TEACHER:
                teachers[member.unit_id].append(member)
        made = []
        for unit_id in sorted(teachers):
            for name, members in plan_groups(teachers[unit_id]):
                leaders = [m for m in members if m.position == "Tổ trưởng chuyên môn"] or members
                made.append((SubjectGroup(unit_id=unit_id, name=name, leader=self.rng.choice(leaders)), members))
        return made

    def give_opinions(self, groups, by_school: dict[int, list[Person]]) -> None:
        """Form 02 begun in some groups: members rate colleagues near their self-rating; some staff rate
        their principals."""
        rng, cycle = self.rng, self.cycle
        current = {a.staff_id: a for a in self.appraisals if a.cycle_id == cycle.pk}
        for _group, members in groups:
            if rng.random() >= OPINION_GROUPS:
                continue
            for author in members:
                if rng.random() < 0.4:
                    continue
                for subject in members:
                    if subject.pk != author.pk and subject.pk in current:
                        self.opinion(author, current[subject.pk])
        for unit_id in sorted(by_school):
            principals = [p.member for p in by_school[unit_id] if p.standard.subject == Subject.PRINCIPAL]
            staff = [p.member for p in by_school[unit_id] if p.standard.subject == Subject.TEACHER]
            if not staff or rng.random() >= OPINION_GROUPS:
                continue
            for head in principals:
                if head.pk in current:
                    for author in rng.sample(staff, min(len(staff), rng.randint(3, 6))):
                        self.opinion(author, current[head.pk])

    def opinion(self, author: StaffMember, appraisal: Appraisal) -> None:
        rng = self.rng
        base = appraisal.self_rating or "kha"
        rank = RANK[base] + (-1 if (roll := rng.random()) < 0.2 else 1 if roll > 0.93 else 0)
        self.opinions.append(
            Opinion(
                appraisal=appraisal,
                author=author,
                rating=CODES[max(1, min(3, rank))],
                strengths=rng.choice(OPINION_STRENGTHS),
                weaknesses=rng.choice(OPINION_WEAKNESSES),
                updated_at=self.moment(self.cycle.self_assessment_from, self.today - dt.timedelta(days=1)),
            )
        )

    def write(self) -> None:
        by_school = self.people()
        self.last_year(by_school)
        evaluating = self.this_year(by_school)
        groups = self.groups(by_school)
        self.give_opinions(groups, by_school)
        with dated_history():
            insert_rows(Appraisal, self.appraisals)  # gives them their keys, which the rows below were made without
            for row in [*self.evidence, *self.opinions, *self.events]:
                row.appraisal_id = row.appraisal.pk
            insert_rows(Evidence, self.evidence)
            insert_rows(Opinion, self.opinions)
            insert_rows(AppraisalEvent, [*self.events, *self.confirmations()])
        insert_rows(SubjectGroup, [group for group, _members in groups])
        membership = SubjectGroup.members.through
        insert_rows(
            membership,
            [
                Row(membership, subjectgroup_id=group.pk, staffmember_id=m.pk)
                for group, members in groups
                for m in members
            ],
        )
        # PostgreSQL sequences do not follow ids given by hand (SQLite's AUTOINCREMENT does).
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), WRITTEN):
                cursor.execute(statement)
        # The schools evaluating this year decided to evaluate every year (else last year's evaluation would count
        # for this one: services.evaluation_due).
        decided = set(EvaluationPolicy.objects.values_list("unit_id", flat=True))
        EvaluationPolicy.objects.bulk_create(
            [
                EvaluationPolicy(
                    unit_id=unit_id,
                    yearly=True,
                    note="Quyết định của hiệu trưởng: đánh giá chuẩn nghề nghiệp hằng năm.",
                    decided_by_id=self.heads.get(unit_id),
                )
                for unit_id in sorted(evaluating - decided)
            ]
        )
        for batch in chunks([a for a in self.appraisals if a.submitted]):
            services.refresh_needs(batch)
        self.summary.groups = len(groups)

    def confirmations(self) -> list[AppraisalEvent]:
        """The audit of every confirmed evaluation, with the flags the reviewer acknowledged."""
        evidence = defaultdict(set)
        for item in self.evidence:
            evidence[item.appraisal_id].add(item.criterion_number)
        return [
            AppraisalEvent(
                appraisal=a,
                at=a.confirmed_at,
                by_id=a.evaluated_by_id,
                action=AppraisalEvent.Action.CONFIRMED,
                details={
                    "levels": a.final_levels,
                    "rating": a.final_rating,
                    "flags": [f.message for f in services.review_flags(a, a.levels("final"), evidence[a.pk])],
                },
            )
            for a in self.confirmed
        ]


@transaction.atomic
def seed(*, seed: int = 2026, today: dt.date | None = None) -> Summary:
    """Build the demo appraisals into a database holding seed_demo's province and the standards; DemoError when
    either is missing. Run it on a database without appraisal cycles."""
    builder = Builder(seed, today or timezone.localdate())
    builder.load()
    builder.open_cycles()
    # insert_rows (seed_demo's executemany, many times faster than bulk_create) keeps the next free id of each
    # table between calls: start from the database, and forget them after, whatever happens.
    province_demo._NEXT_IDS.clear()
    try:
        builder.write()
    finally:
        province_demo._NEXT_IDS.clear()
    return builder.summary
