"""Demo classes, attendance, scores, results and certificates on top of seed_demo_plans' province, so the delivery
and results pages have something to show in the middle of a school year:

- a register of presenters at the Sở (a few do not show every TT 19/2019 Điều 9 requirement), one with an account;
- this year: per commune a class of content 01 (held two months ago: attendance taken, scored), a class of content
  02 (half of its sessions held), and one class per module its people chose (online with a timed final quiz drawn
  from the module's question bank for GVPT 01–05, some already taken; blended with sessions ahead for the others);
  everyone whose personal plan is approved is enrolled where their plan needs; a class of the Sở open to requests;
- last year, in the first commune: the whole year done (plans approved, classes passed), results recognised and
  certificates issued by the commune, so that /verify/<code> has something to verify.

The same seed gives the same data (dates follow today). Written with bulk inserts; outcomes and results are then
derived by the same code as in use (delivery.outcomes, results.services)."""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bdtx.accounts.models import Role, User
from bdtx.accounts.services import grant_role
from bdtx.catalog.models import TrainingModule
from bdtx.lib.schoolyear import school_year_of
from bdtx.lib.text import name_sort_key, split_name
from bdtx.organisations.models import Unit, UnitKind
from bdtx.plans.models import PersonalPlan, PersonalPlanItem, PlanStatus, PlanTopic, UnitPlan
from bdtx.rules.models import Programme
from bdtx.staff.models import StaffGroup, StaffMember, Status

from .models import (
    Assessment,
    AssessmentKind,
    Attendance,
    AttendanceMethod,
    ClassSession,
    ClassStatus,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    Mode,
    Question,
    QuizAttempt,
    Score,
    ScoreSource,
    Trainer,
    TrainingClass,
)
from .outcomes import refresh_outcomes

ONLINE_MODULES = ["GVPT 01", "GVPT 02", "GVPT 03", "GVPT 04", "GVPT 05"]
TRAINER_USERNAME = "bcv.demo"
PRESENTERS = [
    # (name, workplace, degree, years of BDTX, IT standard)
    ("Nguyễn Văn Thành", "Phòng Giáo dục Trung học, Sở GDĐT", "thac_si", 12, True),
    ("Lò Thị Hương", "Phòng Giáo dục Mầm non, Sở GDĐT", "dai_hoc", 9, True),
    ("Trần Minh Đức", "Trường Cao đẳng Cộng đồng Lai Châu", "tien_si", 15, True),
    ("Vàng A Sính", "Trường THPT Dân tộc nội trú tỉnh", "dai_hoc", 2, True),
    ("Phạm Thu Trang", "Phòng Giáo dục Tiểu học, Sở GDĐT", "thac_si", 7, False),
    ("Giàng Thị Mai", "Trường Tiểu học Đoàn Kết", "dai_hoc", 4, True),
    ("Đỗ Quang Huy", "Trung tâm Giáo dục thường xuyên tỉnh", "cao_dang", 6, True),
    ("Hoàng Văn Long", "Phòng Khảo thí và Kiểm định chất lượng, Sở GDĐT", "thac_si", 10, True),
]
# A demo bank: general questions on continuous professional development, reused for each online module.
QUESTIONS = [
    ("Mỗi năm học, giáo viên phổ thông phải hoàn thành bao nhiêu tiết bồi dưỡng thường xuyên?",
     ["60 tiết", "90 tiết", "120 tiết", "150 tiết"], [2]),
    ("Nội dung bồi dưỡng nào do giáo viên tự chọn theo nhu cầu phát triển nghề nghiệp?",
     ["Nội dung 01", "Nội dung 02", "Nội dung 03 (các mô đun)", "Cả ba nội dung"], [2]),
    ("Kết quả bài kiểm tra bồi dưỡng thường xuyên đạt yêu cầu khi đạt từ bao nhiêu điểm (thang điểm 10)?",
     ["4 điểm", "5 điểm", "6 điểm", "7 điểm"], [1]),
    ("Những hình thức tổ chức bồi dưỡng thường xuyên nào được quy định?",
     ["Tập trung", "Từ xa", "Kết hợp tập trung và từ xa", "Chỉ tự học, không cần kiểm tra"], [0, 1, 2]),
    ("Kế hoạch BDTX cá nhân được trình phê duyệt trước ngày nào hằng năm?",
     ["31/3", "30/4", "31/5", "30/6"], [2]),
    ("Ai xây dựng nội dung bồi dưỡng 02 đáp ứng nhiệm vụ phát triển giáo dục của địa phương?",
     ["Bộ GDĐT", "Sở GDĐT (theo phân cấp)", "Từng giáo viên", "Tổ chuyên môn"], [1]),
    ("Đánh giá học sinh theo Chương trình GDPT 2018 nhằm mục đích chính nào?",
     ["Xếp hạng học sinh", "Cung cấp thông tin để điều chỉnh hoạt động dạy học", "Chỉ để báo cáo cấp trên",
      "Thay thế kiểm tra định kì"], [1]),
    ("Phương pháp nào phát huy tính tích cực của học sinh?",
     ["Dạy học dự án", "Dạy học hợp tác theo nhóm", "Chỉ đọc – chép", "Dạy học giải quyết vấn đề"], [0, 1, 3]),
    ("Kế hoạch bài dạy theo Công văn 5512 gồm mấy hoạt động chính?",
     ["2", "3", "4", "5"], [2]),
    ("Giáo viên cốt cán có vai trò gì trong bồi dưỡng thường xuyên?",
     ["Hỗ trợ đồng nghiệp tự học các mô đun", "Thay giáo viên làm bài kiểm tra", "Phê duyệt kế hoạch của Sở",
      "Không có vai trò"], [0]),
    ("Học liệu số dùng trong dạy học cần bảo đảm điều gì?",
     ["Nguồn gốc rõ ràng, tôn trọng bản quyền", "Càng dài càng tốt", "Chỉ dùng video nước ngoài",
      "Không cần kiểm chứng"], [0]),
    ("Khi học sinh người dân tộc thiểu số chưa thạo tiếng Việt, giáo viên nên làm gì?",
     ["Tăng cường tiếng Việt, dùng đồ dùng trực quan", "Bỏ qua nội dung khó", "Cho học sinh nghỉ học",
      "Chỉ giao bài về nhà"], [0]),
]  # fmt: skip


class DemoError(Exception):
    """The demo cannot be built here; the message says why and what to run first."""


@dataclass
class Summary:
    presenters: int = 0
    classes: int = 0
    sessions: int = 0
    enrolments: int = 0
    attendance: int = 0
    scores: int = 0
    questions: int = 0
    attempts: int = 0
    results: dict = field(default_factory=dict)
    last_year_results: dict = field(default_factory=dict)
    certificates: int = 0


class Builder:
    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.today = today
        self.year = school_year_of(today)
        self.summary = Summary()
        self.now = timezone.now()

    # Loading ----------------------------------------------------------------------------------------------

    def load(self) -> None:
        self.province = Unit.objects.filter(parent=None).order_by("pk").first()
        self.so_plan = UnitPlan.objects.filter(unit=self.province, year=self.year).first() if self.province else None
        if self.so_plan is None:
            raise DemoError(
                "Chưa có kế hoạch BDTX của Sở cho năm học này: chạy seed_demo, seed_demo_appraisals rồi "
                "seed_demo_plans trước."
            )
        self.officer = User.objects.filter(username="so.chuyenvien").first()
        self.communes = list(Unit.objects.filter(parent=self.province).exclude(kind=UnitKind.SCHOOL).order_by("pk"))
        self.modules = {m.code: m for m in TrainingModule.objects.filter(code__startswith="GVPT")}
        self.topic_periods = {"01": 0, "02": 0}
        for content in ("01", "02"):
            self.topic_periods[content] = max(
                (
                    sum(t.periods for t in PlanTopic.objects.filter(plan=self.so_plan, content=content, levels=levels))
                    + sum(t.periods for t in PlanTopic.objects.filter(plan=self.so_plan, content=content, levels=""))
                    for levels in {t.levels for t in PlanTopic.objects.filter(plan=self.so_plan, content=content)}
                ),
                default=40,
            )

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    # Writing ----------------------------------------------------------------------------------------------

    def write(self) -> None:
        with transaction.atomic():
            trainers = self.presenters()
            approved = self.approved_people(self.year)
            classes = self.this_year(approved, trainers)
            self.self_enrolment_class(trainers)
            self.questions()
        enrolled = list(Enrolment.objects.filter(training_class__in=classes).values_list("pk", flat=True))
        self.quiz_attempts()
        refresh_outcomes(enrolled, results=False)
        from bdtx.results import services as results

        self.summary.results = results.recompute(self.year)
        self.last_year(trainers)

    def presenters(self) -> list[Trainer]:
        user, _created = User.objects.get_or_create(
            username=TRAINER_USERNAME, defaults={"full_name": PRESENTERS[0][0], "password": self._demo_password()}
        )
        grant_role(user, Role.TRAINER, self.province)
        trainers = [
            Trainer(
                unit=self.province,
                user=user if index == 0 else None,
                full_name=name,
                sort_key=name_sort_key(*split_name(name)),
                workplace=workplace,
                degree=degree,
                bdtx_years=years,
                it_standard=it_standard,
                subjects="Bồi dưỡng thường xuyên",
            )
            for index, (name, workplace, degree, years, it_standard) in enumerate(PRESENTERS)
        ]
        Trainer.objects.bulk_create(trainers)
        self.summary.presenters = len(trainers)
        return trainers

    def _demo_password(self) -> str:
        officer = self.officer or User.objects.filter(username__startswith="so.").first()
        return officer.password if officer else "!"

    def approved_people(self, year: int) -> list[tuple[int, int, int, list[str]]]:
        """(staff id, unit id, commune id, module codes) of those whose plan for the year is approved."""
        parents = dict(Unit.objects.values_list("pk", "parent_id"))
        modules: dict[int, list[str]] = {}
        for plan_id, code in PersonalPlanItem.objects.filter(
            plan__year=year, plan__status=PlanStatus.APPROVED, module__isnull=False
        ).values_list("plan_id", "module__code"):
            modules.setdefault(plan_id, []).append(code)
        return [
            (staff_id, unit_id, parents.get(unit_id) or unit_id, sorted(modules.get(plan_id, [])))
            for plan_id, staff_id, unit_id in PersonalPlan.objects.filter(
                year=year, status=PlanStatus.APPROVED
            ).values_list("pk", "staff_id", "unit_id")
        ]

    def this_year(self, approved, trainers) -> list[TrainingClass]:
        by_commune: dict[int, list[tuple]] = {}
        for person in approved:
            by_commune.setdefault(person[2], []).append(person)
        codes = dict(Unit.objects.values_list("pk", "code"))
        classes: list[TrainingClass] = []
        plan: list[tuple[TrainingClass, list[int], str]] = []  # class, staff ids, kind of demo history
        for commune_id, people in sorted(by_commune.items()):
            code = codes[commune_id]
            staff = [p[0] for p in people]
            for content, kind in (("01", "done"), ("02", "half")):
                training_class = TrainingClass(
                    organiser_id=commune_id, year=self.year, code=f"{code}-ND{content}",
                    title=f"Bồi dưỡng nội dung {content} năm học {self.year}-{self.year + 1}", content=content,
                    periods=self.topic_periods[content], mode=Mode.IN_PERSON if content == "01" else Mode.BLENDED,
                    capacity=max(len(staff), 40), status=ClassStatus.RUNNING, created_by=self.officer,
                    description="Lớp học theo cụm trường (dữ liệu demo).",
                )  # fmt: skip
                plan.append((training_class, staff, kind))
            chosen: dict[str, list[int]] = {}
            for staff_id, _unit, _commune, module_codes in people:
                for module_code in module_codes:
                    chosen.setdefault(module_code, []).append(staff_id)
            for module_code, learners in sorted(chosen.items()):
                module = self.modules.get(module_code)
                if module is None:
                    continue
                online = module_code in ONLINE_MODULES
                training_class = TrainingClass(
                    organiser_id=commune_id, year=self.year, code=f"{code}-{module_code.replace(' ', '')}",
                    title=f"{module_code}: {module.title}", content="03", periods=module.periods or 10,
                    mode=Mode.REMOTE if online else Mode.BLENDED, capacity=max(len(learners), 40),
                    status=ClassStatus.RUNNING, created_by=self.officer,
                )  # fmt: skip
                training_class.demo_module = module
                plan.append((training_class, learners, "online" if online else "ahead"))
        TrainingClass.objects.bulk_create([c for c, _s, _k in plan], batch_size=500)
        through = TrainingClass.modules.through
        through.objects.bulk_create(
            through(trainingclass_id=c.pk, trainingmodule_id=c.demo_module.pk)
            for c, _s, _k in plan
            if hasattr(c, "demo_module")
        )
        TrainingClass.trainers.through.objects.bulk_create(
            TrainingClass.trainers.through(trainingclass_id=c.pk, trainer_id=trainers[i % 3 if i % 5 else 0].pk)
            for i, (c, _s, _k) in enumerate(plan)
        )
        for training_class, staff, kind in plan:
            classes.append(training_class)
            self.fill(training_class, staff, kind)
        self.summary.classes += len(classes)
        return classes

    def fill(self, training_class: TrainingClass, staff: list[int], kind: str) -> None:
        """Sessions, one test, the learners, and what has happened so far."""
        offsets = {"done": [-62, -61, -60], "half": [-14, -7, 7, 14], "ahead": [40, 70], "online": []}[kind]
        sessions = [
            ClassSession(
                training_class=training_class,
                date=self.day(offset),
                starts_at=dt.time(7, 30) if index % 2 == 0 else dt.time(13, 30),
                ends_at=dt.time(11, 0) if index % 2 == 0 else dt.time(17, 0),
                place="Hội trường trường trung tâm cụm" if kind != "online" else "",
                online_link="https://taphuan.lai-chau.edu.vn/demo" if training_class.mode != Mode.IN_PERSON else "",
                periods=max(training_class.periods // max(len(offsets), 1), 1),
                attendance_taken=offset < 0,
            )
            for index, offset in enumerate(offsets)
        ]
        ClassSession.objects.bulk_create(sessions)
        self.summary.sessions += len(sessions)
        online = kind == "online"
        test = Assessment.objects.create(
            training_class=training_class,
            title="Bài kiểm tra cuối mô đun" if online else "Bài thu hoạch",
            kind=AssessmentKind.QUIZ if online else AssessmentKind.ASSIGNMENT,
            module=getattr(training_class, "demo_module", None) if online else None,
            question_count=10,
            time_limit_minutes=20,
            max_attempts=2,
        )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(
                training_class=training_class,
                staff_id=staff_id,
                status=EnrolmentStatus.ENROLLED,
                source=EnrolmentSource.PLAN,
                decided_at=self.now,
            )  # fmt: skip
            for staff_id in staff
        )
        self.summary.enrolments += len(enrolments)
        attendance = []
        for session in sessions:
            if not session.attendance_taken:
                continue
            for enrolment in enrolments:
                draw = self.rng.random()
                attendance.append(
                    Attendance(
                        session=session,
                        enrolment=enrolment,
                        present=draw < 0.94,
                        excused=0.94 <= draw < 0.96,
                        method=AttendanceMethod.SHEET if draw < 0.6 else AttendanceMethod.QR,
                    )  # fmt: skip
                )
        Attendance.objects.bulk_create(attendance, batch_size=1000)
        self.summary.attendance += len(attendance)
        if kind == "done":
            scores = [
                Score(assessment=test, enrolment=e, value=self.score(), source=ScoreSource.ENTRY) for e in enrolments
            ]
            Score.objects.bulk_create(scores, batch_size=1000)
            self.summary.scores += len(scores)
        if online:
            self.online.append((test, enrolments))

    online: list = []

    def score(self) -> Decimal:
        value = min(max(self.rng.gauss(7.6, 1.2), 2.0), 10.0)
        return Decimal(str(round(value * 4) / 4))  # to the quarter point, as people mark

    def self_enrolment_class(self, trainers) -> None:
        training_class = TrainingClass.objects.create(
            organiser=self.province, year=self.year, code="SO-AI-01",
            title="Chuyên đề: ứng dụng trí tuệ nhân tạo trong soạn kế hoạch bài dạy", content="02", periods=10,
            mode=Mode.BLENDED, capacity=60, enrol_opens=self.day(-10), enrol_closes=self.day(20), self_enrol=True,
            status=ClassStatus.OPEN, created_by=self.officer,
            description="Lớp tự nguyện của Sở; giáo viên đăng ký, đơn vị tổ chức duyệt (dữ liệu demo).",
        )  # fmt: skip
        training_class.trainers.set([trainers[2]])
        ClassSession.objects.bulk_create(
            ClassSession(
                training_class=training_class,
                date=self.day(offset),
                starts_at=dt.time(14),
                ends_at=dt.time(16, 30),
                online_link="https://taphuan.lai-chau.edu.vn/ai",
                periods=5,
            )  # fmt: skip
            for offset in (30, 37)
        )
        Assessment.objects.create(training_class=training_class, title="Sản phẩm: một kế hoạch bài dạy có dùng AI")
        people = list(StaffMember.objects.filter(user__isnull=False, group=StaffGroup.TEACHER).order_by("pk")[:6])
        Enrolment.objects.bulk_create(
            Enrolment(
                training_class=training_class,
                staff=member,
                status=EnrolmentStatus.REQUESTED,
                source=EnrolmentSource.SELF,
            )  # fmt: skip
            for member in people
        )
        self.summary.classes += 1

    def questions(self) -> None:
        bank = []
        for code in ONLINE_MODULES:
            module = self.modules.get(code)
            if module is None:
                continue
            for text, choices, correct in QUESTIONS:
                bank.append(Question(module=module, text=text, choices=choices, correct=correct, owner=self.province))
        Question.objects.bulk_create(bank)
        self.summary.questions = len(bank)

    def quiz_attempts(self) -> None:
        """In the first communes, about half the learners of the online modules have taken the final quiz."""
        attempts, scores = [], []
        for test, enrolments in self.online[: len(self.online) // 3 or 1]:
            questions = list(Question.objects.filter(module=test.module).values_list("pk", "correct", "choices"))
            for enrolment in enrolments:
                if self.rng.random() >= 0.5:
                    continue
                drawn = self.rng.sample(questions, min(test.question_count, len(questions)))
                right = 0
                answers = {}
                for pk, correct, choices in drawn:
                    good = self.rng.random() < 0.8
                    answers[str(pk)] = list(correct) if good else [(correct[0] + 1) % len(choices)]
                    right += good
                value = Decimal(right * 10) / Decimal(len(drawn))
                started = self.now - dt.timedelta(days=self.rng.randint(1, 20), minutes=25)
                attempts.append(
                    QuizAttempt(
                        assessment=test,
                        enrolment=enrolment,
                        number=1,
                        drawn=[{"q": pk, "order": list(range(len(choices)))} for pk, _c, choices in drawn],
                        answers=answers,
                        deadline=started + dt.timedelta(minutes=test.time_limit_minutes),
                        submitted_at=started + dt.timedelta(minutes=15),
                        score=value.quantize(Decimal("0.01")),
                    )  # fmt: skip
                )
                scores.append(
                    Score(
                        assessment=test,
                        enrolment=enrolment,
                        value=value.quantize(Decimal("0.01")),
                        source=ScoreSource.QUIZ,
                    )  # fmt: skip
                )
        QuizAttempt.objects.bulk_create(attempts, batch_size=1000)
        Score.objects.bulk_create(scores, batch_size=1000)
        self.summary.attempts = len(attempts)
        self.summary.scores += len(scores)

    # Last year, in the first commune: a finished year with certificates ---------------------------------------

    def last_year(self, trainers) -> None:
        from bdtx.results import certificates
        from bdtx.results import services as results
        from bdtx.results.models import YearResult

        if not self.communes:
            return
        year = self.year - 1
        commune = self.communes[0]
        programme = Programme.objects.filter(code="tt17-2019").first()
        if programme is None:
            return
        people = list(
            StaffMember.objects.filter(unit__parent=commune, group=StaffGroup.TEACHER, status=Status.WORKING)
            .exclude(levels__contains="mam_non")
            .order_by("pk")
            .values_list("pk", "unit_id")
        )
        if not people:
            return
        modules = [self.modules[code] for code in ("GVPT 01", "GVPT 02", "GVPT 04", "GVPT 06") if code in self.modules]
        with transaction.atomic():
            plans = PersonalPlan.objects.bulk_create(
                PersonalPlan(
                    staff_id=staff_id,
                    year=year,
                    unit_id=unit_id,
                    programme=programme,
                    status=PlanStatus.APPROVED,
                    submitted_at=self.now - dt.timedelta(days=540),
                    decided_at=self.now - dt.timedelta(days=530),
                )  # fmt: skip
                for staff_id, unit_id in people
            )
            topics = {content: self._last_topic(content, year) for content in ("01", "02")}
            PersonalPlanItem.objects.bulk_create(
                item
                for plan in plans
                for item in [
                    *(PersonalPlanItem(plan=plan, content=c, topic=t, periods=t.periods) for c, t in topics.items()),
                    *(PersonalPlanItem(plan=plan, content="03", module=m, periods=10) for m in modules),
                ]
            )
            code = commune.code
            last = []
            for content, periods in (("01", 40), ("02", 40)):
                last.append(
                    TrainingClass.objects.create(
                        organiser=commune,
                        year=year,
                        code=f"{code}-ND{content}-{year}",
                        content=content,
                        title=f"Bồi dưỡng nội dung {content} năm học {year}-{year + 1}",
                        periods=periods,
                        mode=Mode.IN_PERSON,
                        capacity=len(people),
                        status=ClassStatus.CLOSED,
                    )  # fmt: skip
                )
            for module in modules:
                training_class = TrainingClass.objects.create(
                    organiser=commune, year=year, code=f"{code}-{module.code.replace(' ', '')}-{year}", content="03",
                    title=f"{module.code}: {module.title}", periods=10, mode=Mode.REMOTE, capacity=len(people),
                    status=ClassStatus.CLOSED,
                )  # fmt: skip
                training_class.modules.set([module])
                last.append(training_class)
            for training_class in last:
                training_class.trainers.set([trainers[0]])
                test = Assessment.objects.create(training_class=training_class, title="Bài kiểm tra cuối khoá")
                enrolments = Enrolment.objects.bulk_create(
                    Enrolment(
                        training_class=training_class,
                        staff_id=staff_id,
                        status=EnrolmentStatus.ENROLLED,
                        source=EnrolmentSource.PLAN,
                    )  # fmt: skip
                    for staff_id, _unit in people
                )
                Score.objects.bulk_create(
                    Score(assessment=test, enrolment=e, value=self.score() if self.rng.random() < 0.97 else Decimal(4))
                    for e in enrolments
                )
        refresh_outcomes(
            list(Enrolment.objects.filter(training_class__in=last).values_list("pk", flat=True)), results=False
        )
        self.summary.last_year_results = results.recompute(year, staff_ids=[staff_id for staff_id, _unit in people])
        principal_by_school = {}
        for result in YearResult.objects.filter(year=year, unit__parent=commune).select_related("unit", "staff"):
            principal_by_school.setdefault(result.unit_id, []).append(result)
        local = User.objects.filter(username__startswith="xa.").first() or self.officer
        completed = []
        for group in principal_by_school.values():
            results.recognise(group, by=local)
            completed += [r for r in group if r.outcome == "hoan_thanh"]
        self.summary.certificates = certificates.issue_many(
            completed,
            issuer=commune,
            by=local,
            place="Lai Châu",
            issued_on=dt.date(self.year, 6, 15) if dt.date(self.year, 6, 15) < self.today else self.today,
            signer_title="CHỦ TỊCH UBND" if commune.kind == UnitKind.COMMUNE else "TRƯỞNG PHÒNG",
            signer_name="Lò Văn Hùng",
        )

    def _last_topic(self, content: str, year: int) -> PlanTopic:
        """Last year's Sở plan topic of a content (made once, for the demo's finished year)."""
        cache = self.__dict__.setdefault("_topics", {})
        if content not in cache:
            plan = UnitPlan.objects.filter(unit=self.province, year=year).first()
            if plan is None:
                plan = UnitPlan.objects.create(
                    unit=self.province, year=year, title=f"Kế hoạch BDTX năm học {year}-{year + 1}",
                    status=PlanStatus.APPROVED, created_by=self.officer,
                )  # fmt: skip
            cache[content] = PlanTopic.objects.create(
                plan=plan, content=content, periods=40,
                title="Nhiệm vụ năm học" if content == "01" else "Nội dung giáo dục địa phương",
            )  # fmt: skip
        return cache[content]


def seed(*, seed: int = 2026, today: dt.date | None = None) -> Summary:
    """Build the demo delivery data into a database holding seed_demo_plans' plans; DemoError when missing. Run it
    on a database without classes."""
    builder = Builder(seed, today or timezone.localdate())
    builder.online = []
    builder.load()
    builder.write()
    return builder.summary
