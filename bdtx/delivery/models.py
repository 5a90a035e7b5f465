"""Where the training happens (TT 19/2019 Điều 6, 9, 11): presenters, classes in person, online or blended, their
sessions, enrolments with a waiting list, attendance (sheet, import, QR check-in), tests scored on 10, the online
final quiz drawn from a module's question bank, and results imported from an LMS."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    IN_PERSON = "tap_trung", _("In person")
    REMOTE = "tu_xa", _("Remote")
    BLENDED = "ket_hop", _("Blended")


class Trainer(models.Model):
    """Báo cáo viên: a presenter in the register of a unit (usually the Sở or a Phòng), with what TT 19/2019
    Điều 9 asks of them."""

    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "staff.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="trainer_entries"
    )
    # The account the presenter signs in with (to take attendance and enter scores of their classes).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="trainer_entries"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    sort_key = models.CharField(max_length=200, db_index=True, editable=False)
    workplace = models.CharField(_("workplace"), max_length=255, blank=True)
    degree = models.CharField(_("degree"), max_length=20, blank=True)  # a code of the completion rule's degrees
    bdtx_years = models.PositiveSmallIntegerField(_("years of BDTX experience"), default=0)
    it_standard = models.BooleanField(_("meets the basic IT skills standard"), default=False)
    subjects = models.CharField(_("fields"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("presenter")
        verbose_name_plural = _("presenters")
        ordering = ["sort_key", "pk"]

    def __str__(self) -> str:
        return self.full_name


class ClassStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for enrolment")
    RUNNING = "running", _("In progress")
    CLOSED = "closed", _("Finished")


class TrainingClassQuerySet(models.QuerySet["TrainingClass"]):
    def visible_to(self, user) -> "TrainingClassQuerySet":
        from .permissions import classes_in_scope

        return classes_in_scope(user) & self


class TrainingClass(models.Model):
    """Lớp bồi dưỡng: one content (a topic of 01/02 or one or more modules of 03) taught to a group."""

    organiser = models.ForeignKey(
        "organisations.Unit", verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("school year"))
    code = models.CharField(_("class code"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    content = models.CharField(_("content"), max_length=4)  # "01", "02" or "03"
    modules = models.ManyToManyField(
        "catalog.TrainingModule", verbose_name=_("modules"), blank=True, related_name="classes"
    )
    topic = models.ForeignKey(
        "plans.PlanTopic", verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    periods = models.PositiveSmallIntegerField(_("periods"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    capacity = models.PositiveIntegerField(_("capacity"), default=50)
    enrol_opens = models.DateField(_("enrolment opens"), null=True, blank=True)
    enrol_closes = models.DateField(_("enrolment closes"), null=True, blank=True)
    self_enrol = models.BooleanField(_("people may ask to join"), default=False)
    # Blank: the completion rule's default share of sessions a learner must attend.
    min_attendance_percent = models.PositiveSmallIntegerField(_("minimum attendance (%)"), null=True, blank=True)
    trainers = models.ManyToManyField(Trainer, verbose_name=_("presenters"), blank=True, related_name="classes")
    status = models.CharField(_("status"), max_length=10, choices=ClassStatus.choices, default=ClassStatus.DRAFT)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["-year", "code", "pk"]
        constraints = [models.UniqueConstraint(fields=["organiser", "year", "code"], name="class_code_once")]
        indexes = [models.Index(fields=["year", "organiser", "status"], name="class_by_year")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def school_year(self) -> str:
        return f"{self.year}-{self.year + 1}"


def new_secret() -> str:
    return secrets.token_hex(32)


class ClassSession(models.Model):
    """Buổi học: a date and time, in a room or online, with the periods it counts."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=255, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    periods = models.PositiveSmallIntegerField(_("periods"), default=4)
    # Signs the rotating QR codes and the spoken fallback code of this session; never shown.
    checkin_secret = models.CharField(max_length=64, default=new_secret, editable=False)
    # Check-in by phone is accepted only while the trainer keeps it open.
    checkin_open = models.BooleanField(_("check-in open"), default=False)
    attendance_taken = models.BooleanField(_("attendance taken"), default=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["training_class", "date", "starts_at", "pk"]
        indexes = [models.Index(fields=["date", "starts_at"], name="session_when")]

    def __str__(self) -> str:
        return f"{self.training_class.code} {self.date:%d/%m/%Y} {self.starts_at:%H:%M}"


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Asked to join")
    WAITING = "waiting", _("Waiting list")
    ENROLLED = "enrolled", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Not accepted")


class EnrolmentSource(models.TextChoices):
    PLAN = "plan", _("From approved plans")
    HAND = "hand", _("By hand")
    SELF = "self", _("Asked by the person")
    LMS = "lms", _("From an LMS")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Not finished")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed")


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def visible_to(self, user) -> "EnrolmentQuerySet":
        from .permissions import enrolments_in_scope

        return enrolments_in_scope(user) & self

    def active(self) -> "EnrolmentQuerySet":
        return self.filter(status=EnrolmentStatus.ENROLLED)


class Enrolment(models.Model):
    """A person in a class (or on its waiting list), with their outcome there."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="enrolments")
    staff = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices)
    source = models.CharField(_("source"), max_length=10, choices=EnrolmentSource.choices)
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)  # the waiting list's order
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Worked out from attendance and scores by services.refresh_outcomes().
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    reasons = models.JSONField(default=list, blank=True)  # [[message key, values], …] from rules.completion
    sessions_attended = models.PositiveSmallIntegerField(default=0)
    final_score = models.DecimalField(_("score"), max_digits=4, decimal_places=2, null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["training_class", "staff__sort_key", "pk"]
        constraints = [models.UniqueConstraint(fields=["training_class", "staff"], name="enrolled_once")]
        indexes = [models.Index(fields=["staff", "status"], name="enrolment_of_person")]

    def __str__(self) -> str:
        return f"{self.training_class_id}:{self.staff_id}"


class AttendanceMethod(models.TextChoices):
    SHEET = "sheet", _("Attendance sheet")
    QR = "qr", _("QR code")
    CODE = "code", _("Spoken code")
    IMPORT = "import", _("Spreadsheet")
    LMS = "lms", _("LMS")


class Attendance(models.Model):
    """Whether a learner was at a session, how it was recorded, and by whom."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("present"))
    excused = models.BooleanField(_("excused absence"), default=False)
    method = models.CharField(_("recorded by"), max_length=10, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.enrolment_id}"


class CheckinUse(models.Model):
    """A QR or spoken code once used: the same code is refused if it comes again (a shared photo, a replay)."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=120)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "enrolment", "token"], name="checkin_token_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.enrolment_id}"


class CheckinFailure(models.Model):
    """A wrong spoken code typed by a learner: after a few in a short time they must wait (no guessing)."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["session", "enrolment", "at"], name="checkin_failures")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.enrolment_id} {self.at}"


class AssessmentKind(models.TextChoices):
    TEST = "test", _("Test")
    ASSIGNMENT = "assignment", _("Assignment")
    QUIZ = "quiz", _("Online quiz")
    LMS = "lms", _("LMS result")


class Assessment(models.Model):
    """A test or assignment of a class, scored on the rule's 10-point scale. A quiz draws from a module's bank."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="assessments")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=AssessmentKind.choices, default=AssessmentKind.TEST)
    position = models.PositiveSmallIntegerField(default=0)
    # For a quiz: the bank, how many questions are drawn, the time allowed and the attempts allowed.
    module = models.ForeignKey(
        "catalog.TrainingModule", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    question_count = models.PositiveSmallIntegerField(_("questions drawn"), default=20)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=30)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=2)

    class Meta:
        verbose_name = _("test")
        verbose_name_plural = _("tests")
        ordering = ["training_class", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class ScoreSource(models.TextChoices):
    ENTRY = "entry", _("Entered")
    IMPORT = "import", _("Spreadsheet")
    QUIZ = "quiz", _("Online quiz")
    LMS = "lms", _("LMS")


class Score(models.Model):
    """A learner's score on a test, 0–10 with two decimals."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(_("score"), max_digits=4, decimal_places=2)
    source = models.CharField(_("source"), max_length=10, choices=ScoreSource.choices, default=ScoreSource.ENTRY)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["assessment", "enrolment"], name="score_once")]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.enrolment_id}={self.value}"


class Question(models.Model):
    """A multiple-choice question of a module's bank."""

    module = models.ForeignKey("catalog.TrainingModule", on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"))
    choices = models.JSONField(_("choices"), default=list)  # ["…", "…", …]
    correct = models.JSONField(_("correct choices"), default=list)  # indexes into choices, e.g. [0] or [1, 3]
    active = models.BooleanField(_("active"), default=True)
    # The unit that added it (None: loaded with the national data); who may edit it.
    owner = models.ForeignKey("organisations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["module", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class QuizAttempt(models.Model):
    """One attempt at a quiz: the questions drawn (and the order of their choices), the answers, the score."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="attempts")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    drawn = models.JSONField(default=list)  # [{"q": question id, "order": [choice indexes as shown]}, …]
    answers = models.JSONField(default=dict, blank=True)  # {question id: [choice indexes]}
    started_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["assessment", "enrolment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "enrolment", "number"], name="attempt_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.enrolment_id}#{self.number}"


class MaterialProgress(models.Model):
    """A learner opened a material of an online module (the learner's progress on the module page)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="material_progress")
    material = models.ForeignKey("catalog.ModuleMaterial", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "material"], name="material_opened_once")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}:{self.material_id}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class EnrolmentJob(models.Model):
    """Bulk enrolment of the people whose approved plans name a class's modules (a background job)."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="enrolment_jobs")
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")  # whose people
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # already in the class
    clashes = models.PositiveIntegerField(default=0)  # enrolled, but in another class at the same time
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.training_class_id} {self.status}"


def lms_upload_path(instance: "LmsImport", filename: str) -> str:
    return f"lms/{instance.training_class_id}/{filename}"


class LmsImport(models.Model):
    """A grade or completion export of an LMS (Moodle's CSV/.xlsx), matched by e-mail or Mã định danh: checked
    first (matched and unmatched rows listed), then applied in one transaction."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="lms_imports")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=lms_upload_path, max_length=200)
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    matched = models.JSONField(default=list, blank=True)  # [{"row", "enrolment", "score", "completed"}, …]
    unmatched = models.JSONField(default=list, blank=True)  # [{"row", "key", "message"}, …]
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
