"""seed_demo_delivery [--seed S] [--if-empty]: classes, attendance, scores, results and certificates on the demo
province (seed → same data)."""

from django.utils.translation import gettext as _

from bdtx.delivery import demo
from bdtx.delivery.models import TrainingClass
from bdtx.lib.demo_command import DemoCommand


class Command(DemoCommand):
    help = (
        "Fill the demo province with this school year's classes (presenters, sessions, enrolments from approved "
        "plans, attendance, scores, online quizzes), the yearly results, and last year's certificates in one commune."
    )
    if_empty_help = "do nothing when any class exists"
    demo_error = demo.DemoError

    def exists(self) -> bool:
        return TrainingClass.objects.exists()

    def already(self) -> str:
        return _("The database already has classes: no demo classes added.")

    def refused(self) -> str:
        return _(
            "The database already has classes. Run seed_demo_delivery on a database without any (or use --if-empty)."
        )

    def build(self, seed: int):
        return demo.seed(seed=seed)

    def report(self, summary, *, seconds: float, seed: int) -> str:
        return _(
            "Demo classes built in %(seconds).1f s: %(presenters)d presenters, %(classes)d classes, %(sessions)d "
            "sessions, %(enrolments)d enrolments, %(attendance)d attendance marks, %(scores)d scores, "
            "%(questions)d questions, %(attempts)d quiz attempts; results for %(people)d people; last year "
            "%(certificates)d certificates issued (seed %(seed)d)."
        ) % {
            "seconds": seconds,
            "presenters": summary.presenters,
            "classes": summary.classes,
            "sessions": summary.sessions,
            "enrolments": summary.enrolments,
            "attendance": summary.attendance,
            "scores": summary.scores,
            "questions": summary.questions,
            "attempts": summary.attempts,
            "people": summary.results.get("people", 0),
            "certificates": summary.certificates,
            "seed": seed,
        }
