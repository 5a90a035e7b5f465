"""create_api_token USERNAME: replace the user's API token and print the new key alone on one line."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from bdtx.accounts.models import User


class Command(BaseCommand):
    help = "Create a new API token for USERNAME (the old one stops working) and print it."

    def add_arguments(self, parser):
        parser.add_argument("username")

    @transaction.atomic
    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            raise CommandError(
                _("There is no account “%(user)s”. Create it first, for example with grant_role.") % {"user": username},
                returncode=2,
            )
        Token.objects.filter(user=user).delete()
        self.stdout.write(Token.objects.create(user=user).key)
