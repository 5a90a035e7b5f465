from django.conf import settings

from . import permissions
from .models import Role


def navigation(request):
    """What the menu shows: decided by the same permission module as the views."""
    user = request.user
    if not user.is_authenticated:
        return {"email_configured": settings.EMAIL_CONFIGURED}
    return {
        "nav": {
            "manages_staff": permissions.can_manage_staff(user),
            "is_system_admin": permissions.is_system_admin(user),
            "teaches": permissions.has_role(user, Role.TRAINER),
            "own_record": getattr(user, "staff_member", None),
        },
        "email_configured": settings.EMAIL_CONFIGURED,
    }
