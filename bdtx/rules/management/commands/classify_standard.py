"""classify_standard --standard CODE --levels 1=tot,2=kha,…: the overall rating code on one line."""

import contextlib

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from bdtx.rules import rulefiles
from bdtx.rules.classification import RuleError, classify, parse_levels
from bdtx.rules.models import Standard
from bdtx.rules.rulefiles import RuleFileError


class Command(BaseCommand):
    help = "Print the overall rating (chua_dat, dat, kha or tot) of LEVELS under the standard CODE."
    requires_system_checks: list[str] = []  # a calculation: it must answer even before the site is set up

    def add_arguments(self, parser):
        parser.add_argument("--standard", required=True, help="tt20-2018, tt26-2018, tt14-2018 or tt25-2018")
        parser.add_argument("--levels", required=True, help="every criterion: 1=tot,2=kha,3=dat,…")

    def handle(self, *args, standard: str, levels: str, **options):
        code = standard.strip().lower()
        rule, count = self.rule_of(code)
        try:
            result = classify(rule, parse_levels(levels), count)
        except RuleError as error:
            raise CommandError(str(error), returncode=2) from error
        self.stdout.write(result)

    def rule_of(self, code: str) -> tuple[dict, int]:
        """The classification rule from the database, or from the bundled file when it is not loaded there."""
        try:
            found = Standard.objects.filter(code=code).values_list("classification", "criteria_count").first()
        except DatabaseError:
            found = None  # no tables yet (migrations not run): the bundled files still answer
        if found:
            return found
        try:
            rule_file = rulefiles.bundled(code)
        except RuleFileError as error:
            raise CommandError("\n".join(error.problems), returncode=2) from error
        if rule_file is None:
            raise CommandError(
                _("There is no standard with the code “%(code)s”. Use one of: %(codes)s.")
                % {"code": code, "codes": ", ".join(known_codes())},
                returncode=2,
            )
        return rule_file.standard["classification"], rule_file.standard["criteria_count"]


def known_codes() -> list[str]:
    codes: set[str] = set()
    with contextlib.suppress(DatabaseError):
        codes.update(Standard.objects.values_list("code", flat=True))
    for path in rulefiles.bundled_files():
        try:
            codes.add(rulefiles.read(path).code)
        except RuleFileError:
            continue
    return sorted(codes)
