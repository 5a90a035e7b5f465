"""A lost database answers as a clean 503, not as a 500 with a stack trace.

When PostgreSQL restarts (a fast restart closes every connection, then refuses new ones for a moment) or cannot be
reached, the requests in that moment fail with OperationalError or InterfaceError, raised wherever the database
was first needed: loading the session, in a view, or saving the session at the end. Django turns such an exception
into a 500 page at the middleware it passed through and sends `got_request_exception`; this middleware remembers
that the exception was the database's, and answers 503 instead: a page in the user's language saying what happened
and to try again in a moment (JSON for the API), with Retry-After. Nothing is retried here: a form that was posted
may not have been saved, and the page says so (what was saved before stays saved: every write is one transaction).

The app recovers by itself: with CONN_HEALTH_CHECKS the next request checks its persistent connection and opens a
new one when the database is back (bench/faults_db.py restarts PostgreSQL under load to show it).

Placed after the security headers (the 503 gets them too) and before the sessions (whose load and save it covers).
"""

import logging
import sqlite3
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from . import faults

log = logging.getLogger("bdtx.ops")
# Seconds a client is told to wait before trying again: a fast restart of PostgreSQL takes one or two.
RETRY_AFTER = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)
_MARK = "_bdtx_database_error"


def _remember(sender, request=None, **kwargs) -> None:
    """got_request_exception: note on the request when the exception being handled is the database's."""
    error = sys.exception()
    if request is None or not isinstance(error, DatabaseError):
        return
    if isinstance(error, DATABASE_ERRORS) or faults.database_problem(error):  # unreachable, full or read-only
        setattr(request, _MARK, error)


got_request_exception.connect(_remember, dispatch_uid="bdtx.ops.dbdown")


def unavailable_response(request, error: BaseException | None = None) -> HttpResponse:
    """The 503 itself: JSON under /api/, else a page that needs no database (no user, no menu). When the database
    refused a write because its disk is full or it is read-only, the message says that instead of "unreachable"."""
    language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
    problem = _storage_problem(error) if error is not None else None
    with translation.override(language):
        storage = faults.database_message(problem) if problem else ""
        if request.path.startswith("/api/"):
            detail = storage or _(
                "The service is briefly unavailable: the database cannot be reached. This request may not have "
                "been carried out; check, then send it again in a few seconds."
            )
            code = "database_read_only" if problem == faults.READ_ONLY else "database_full" if problem else None
            response = JsonResponse({"detail": detail, "code": code or "database_unavailable"}, status=503)
        else:
            context = {"retry_after": RETRY_AFTER, "storage": storage}
            response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def _storage_problem(error: BaseException) -> str | None:
    """FULL or READ_ONLY when the database refused a write for lack of space or of write access; None when it could
    not be reached at all (an SQLite file that cannot be opened is "unreachable" here, like a PostgreSQL restarting)."""
    cause = error.__cause__
    if isinstance(cause, sqlite3.Error) and getattr(cause, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_CANTOPEN:
        return None
    return faults.database_problem(error)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, _MARK, None)
        if error is not None and response.status_code >= 500:
            log.warning("database unavailable: %s %s answered 503 (%s)", request.method, request.path, error)
            return unavailable_response(request, error)
        return response
