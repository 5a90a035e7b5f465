"""seed_demo_delivery [--seed S] [--if-empty]: classes, attendance, scores, results and certificates on the demo
province (seed → same data)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.delivery import demo
from bdtx.delivery.models import TrainingClass
from bdtx.lib.db import refresh_statistics


class Command(BaseCommand):
    help = (
        "Fill the demo province with this school year's classes (presenters, sessions, enrolments from approved "
        "plans, attendance, scores, online quizzes), the yearly results, and last year's certificates in one commune."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any class exists")

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if TrainingClass.objects.exists():
            if if_empty:
                self.stdout.write(_("The database already has classes: no demo classes added."))
                return
            raise CommandError(
                _(
                    "The database already has classes. Run seed_demo_delivery on a database without any "
                    "(or use --if-empty)."
                ),
                returncode=2,
            )
        started = time.perf_counter()
        try:
            summary = demo.seed(seed=seed)
        except demo.DemoError as error:
            if if_empty:
                self.stdout.write(str(error))
                return
            raise CommandError(str(error), returncode=2) from error
        refresh_statistics()
        self.stdout.write(
            _(
                "Demo classes built in %(seconds).1f s: %(presenters)d presenters, %(classes)d classes, %(sessions)d "
                "sessions, %(enrolments)d enrolments, %(attendance)d attendance marks, %(scores)d scores, "
                "%(questions)d questions, %(attempts)d quiz attempts; results for %(people)d people; last year "
                "%(certificates)d certificates issued (seed %(seed)d)."
            )
            % {
                "seconds": time.perf_counter() - started,
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
        )
