"""demo_logins: print the demo accounts (username, role, unit, password), or a hint when there are none."""

from collections import Counter

from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from bdtx.accounts.models import Role, RoleAssignment, User
from bdtx.organisations.demo import DEMO_PASSWORD

# Shown one by one; the many principals and teachers are summed up after a few examples.
SHOWN_PER_ROLE = {Role.SYSTEM_ADMIN: 5, Role.PROVINCE_OFFICER: 5, Role.LOCAL_OFFICER: 5, Role.SCHOOL_ADMIN: 3,
                  Role.TEACHER: 3, Role.TRAINER: 3}  # fmt: skip

HINTS = {Role.SCHOOL_ADMIN: "ht.<mã trường>", Role.TEACHER: "gv.<mã định danh>"}


def demo_password_hash() -> str | None:
    """The one hash every demo account shares (seed_demo hashes the password once), if it is still in use."""
    hashes = Counter(
        User.objects.filter(username__regex=r"^(so|xa|ht|gv|bcv)\.").values_list("password", flat=True).iterator()
    )
    for value, _count in hashes.most_common(3):
        if check_password(DEMO_PASSWORD, value):
            return value
    return None


class Command(BaseCommand):
    help = "Print the demo accounts made by seed_demo, with their role, unit and password."

    def handle(self, *args, **options):
        password = demo_password_hash()
        if password is None:
            self.stdout.write(_("No demo accounts. Build the demo with: python manage.py seed_demo"))
            return
        assignments = (
            RoleAssignment.objects.filter(user__password=password, user__is_active=True)
            .select_related("user", "unit")
            .order_by("unit_id", "user__username")
        )
        by_role: dict[str, list[RoleAssignment]] = {}
        for assignment in assignments:
            by_role.setdefault(assignment.role, []).append(assignment)
        self.stdout.write(_("Demo accounts (password for all: %(password)s)") % {"password": DEMO_PASSWORD})
        rows = [(_("Username"), _("Role"), _("Unit"))]
        hidden = []
        for role, limit in SHOWN_PER_ROLE.items():
            found = by_role.get(role, [])
            rows += [(a.user.username, str(a.get_role_display()), a.unit.name) for a in found[:limit]]
            if len(found) > limit:
                hidden.append((Role(role).label, len(found) - limit, HINTS.get(role, "")))
        width = [max(len(row[i]) for row in rows) for i in range(2)]
        for username, role, unit in rows:
            self.stdout.write(f"  {username:<{width[0]}}  {role:<{width[1]}}  {unit}")
        for label, count, hint in hidden:
            self.stdout.write(
                _("  … and %(count)d more %(role)s: %(hint)s") % {"count": count, "role": label, "hint": hint}
            )
