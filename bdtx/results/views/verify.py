"""Public verification of a certificate at /verify/<code> (the address in its QR code): no sign-in.

It says whether the certificate is valid or revoked (and when), and whose it is: the name, unit, school year and
result, nothing more (no birth date, no staff code or citizen ID, no scores; Decree 13/2023 on personal data).
Search engines are asked not to index it. With `Accept: application/json` the same fields come as JSON."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..certificates import status_label
from ..models import Certificate


def _noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"  # a revocation shows at once
    return response


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


@require_GET
def verify(request, code: str):
    certificate = (
        Certificate.objects.filter(code=code).only("status", "revoked_at", "data").first() if len(code) <= 24 else None
    )
    if certificate is None:
        if _wants_json(request):
            return _noindex(JsonResponse({"found": False}, status=404))
        return _noindex(render(request, "results/verify_missing.html", {"code": code[:40]}, status=404))
    data = certificate.data
    revoked_on = timezone.localtime(certificate.revoked_at).date() if certificate.revoked_at else None
    facts = {
        "status": certificate.status,
        "revoked_on": revoked_on.isoformat() if revoked_on else None,
        "name": data.get("name", ""),
        "unit": data.get("unit", ""),
        "school_year": data.get("year_label", ""),
        "result": data.get("outcome", ""),
    }
    if _wants_json(request):
        return _noindex(JsonResponse({"found": True, **facts}))
    context = {**facts, "revoked_on": revoked_on, "status_label": status_label(certificate.status)}
    return _noindex(render(request, "results/verify_detail.html", context))


urlpatterns = [path("<str:code>", verify, name="verify")]
