"""Rate limits on the API (docs/security.md): per signed-in user and, for anonymous callers, per address.

The rates come from settings.API_THROTTLE_RATES, read on every request (so a test or an operator can change
them); the counts live in the default cache. A caller over the limit gets 429 with a Retry-After header and a
message in Vietnamese."""

import math

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, throttling
from rest_framework.views import exception_handler as drf_exception_handler


class _Settings:
    scope: str

    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # REMOTE_ADDR, which ForwardedForMiddleware has already set from X-Forwarded-For when the request came
        # through a trusted proxy. DRF's own get_ident believes any X-Forwarded-For, which a caller can invent.
        return request.META.get("REMOTE_ADDR") or ""


class AnonymousThrottle(_Settings, throttling.AnonRateThrottle):
    scope = "anon"


class UserThrottle(_Settings, throttling.UserRateThrottle):
    scope = "user"


class TooManyRequests(exceptions.Throttled):
    def __init__(self, wait: float | None = None):
        seconds = math.ceil(wait) if wait else 0
        if seconds:
            detail = ngettext(
                "Too many requests. Wait %(seconds)d second and try again.",
                "Too many requests. Wait %(seconds)d seconds and try again.",
                seconds,
            ) % {"seconds": seconds}
        else:
            detail = _("Too many requests. Wait a moment and try again.")
        super().__init__(detail=detail)
        self.wait = seconds or None  # DRF turns it into the Retry-After header


def exception_handler(exc, context):
    """DRF's handler, with the 429 message said in the user's language."""
    if isinstance(exc, exceptions.Throttled) and not isinstance(exc, TooManyRequests):
        exc = TooManyRequests(exc.wait)
    return drf_exception_handler(exc, context)
