"""retirement_date --birth DD/MM/YYYY --gender Nam|Nữ: the retirement date (thời điểm nghỉ hưu) as dd/mm/yyyy."""

import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bdtx.lib import cells
from bdtx.lib.text import clean
from bdtx.rules.retirement import gender_of, retirement_date

_BIRTH = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


class Command(BaseCommand):
    help = (
        "Print the retirement date (the last day of the month in which the person reaches the retirement age of "
        "Bộ luật Lao động 2019 Điều 169 and Nghị định 135/2020, normal working conditions) as dd/mm/yyyy."
    )
    requires_system_checks: list[str] = []  # a calculation: it must answer on a fresh database, without tables

    def add_arguments(self, parser):
        parser.add_argument("--birth", required=True, help="date of birth, DD/MM/YYYY")
        parser.add_argument("--gender", required=True, help="Nam or Nữ")

    def handle(self, *args, birth: str, gender: str, **options):
        born = self.birth_of(birth)
        code = gender_of(gender)
        if code is None:
            raise CommandError(
                _("Gender (--gender): “%(value)s” is neither Nam nor Nữ. Type Nam or Nữ.") % {"value": clean(gender)},
                returncode=2,
            )
        self.stdout.write(retirement_date(born, code).strftime("%d/%m/%Y"))

    def birth_of(self, text: str):
        raw = clean(text)
        try:
            if not _BIRTH.match(raw):
                raise cells.Invalid(
                    _("“%(value)s” is not a date. Type it as dd/mm/yyyy, for example 05/09/1985.") % {"value": raw}
                )
            born = cells.date(raw)  # a real date, not in the future, not before 1900
        except cells.Invalid as error:
            raise CommandError(_("Date of birth (--birth): %(reason)s") % {"reason": error}, returncode=2) from None
        return born
