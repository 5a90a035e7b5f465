"""grant_role USERNAME ROLE UNIT_CODE: give a role at a unit, creating the account when it is missing."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from bdtx.accounts.models import Role, User
from bdtx.accounts.services import grant_role
from bdtx.organisations.models import Unit


class Command(BaseCommand):
    help = "Give USERNAME the role ROLE at the unit UNIT_CODE (and its subtree); creates the user if missing."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", help=", ".join(Role.values))
        parser.add_argument("unit_code")

    @transaction.atomic
    def handle(self, *args, username: str, role: str, unit_code: str, **options):
        username, role, unit_code = username.strip(), role.strip(), unit_code.strip()
        if role not in Role.values:
            raise CommandError(
                _("Unknown role “%(role)s”. Use one of: %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)},
                returncode=2,
            )
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise CommandError(
                _("There is no unit with the code “%(code)s”. Check the code in the unit list.") % {"code": unit_code},
                returncode=2,
            )
        if not username:
            raise CommandError(_("The username cannot be empty."), returncode=2)
        user = User.objects.filter(username__iexact=username).first()
        created = user is None
        if created:
            user = User.objects.create_user(username=username, password=None)
        grant_role(user, role, unit)
        message = _("Created the account %(user)s. ") % {"user": user.username} if created else ""
        message += _("%(user)s is now %(role)s at %(unit)s (%(code)s).") % {
            "user": user.username,
            "role": Role(role).label,
            "unit": unit.name,
            "code": unit.code,
        }
        self.stdout.write(message)
