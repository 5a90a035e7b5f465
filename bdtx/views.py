from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bdtx.accounts import permissions
from bdtx.ops import health
from bdtx.organisations.models import Unit
from bdtx.staff.models import StaffMember


@login_required
def home(request):
    """The start page: a manager sees their units and figures, a teacher goes to their own record."""
    user = request.user
    if not permissions.can_manage_staff(user):
        own = getattr(user, "staff_member", None)
        if own is not None:
            return redirect("staff:detail", pk=own.pk)
        return render(request, "home.html", {"units": [], "staff_count": 0})
    roots = permissions.managed_units(user) or list(Unit.objects.filter(parent=None)[:5])
    staff = StaffMember.objects.visible_to(user)
    return render(
        request,
        "home.html",
        {
            "units": roots,
            "staff_count": staff.count(),
            "unit_count": permissions.units_in_scope(user).count(),
        },
    )


@never_cache
@require_GET
def healthz(request):
    """200 and {"status": "ok"} when the database answers; 503 otherwise."""
    if not health.database_answers():
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """200 when the database answers and the task queue keeps up; 503 otherwise (bdtx/ops/health.py)."""
    ready, body = health.readiness()
    return JsonResponse(body, status=200 if ready else 503)
