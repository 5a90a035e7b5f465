"""schemathesis against the API's own OpenAPI schema (/api/v1/schema/), in process through WSGI (issue 7, point 5):
requests generated from every operation's description, valid ones and invalid ones, sent with a province
officer's token on the records of the test cast, never get a server error.

Bounded so that the suite stays fast: a few examples per operation and mode, fixed (derandomised), and a time
budget after which the remaining operations are left for the next run with a warning."""

import time
import warnings

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from bdtx.tests.test_scope_everywhere import all_records

EXAMPLES = 5
BUDGET_SECONDS = 45
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_the_api_never_answers_a_generated_request_with_a_server_error(cast, settings):
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}
    all_records(cast)  # records of every kind, so that generated ids (small numbers) find some of them
    headers = {"Authorization": f"Token {Token.objects.create(user=cast.officer).key}"}
    # As Django's test client does: a request must not close the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        fuzz(headers)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def isolated(send):
    """The request inside a savepoint, undone when it failed: on PostgreSQL a database error would otherwise
    abort the test's transaction and every later request with it."""
    savepoint = transaction.savepoint_create()
    response = send()
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return response


def fuzz(headers: dict) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    started, tried, left, failures = time.monotonic(), [], [], []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() - started > BUDGET_SECONDS:
                left.append(f"{operation.label} ({mode.value})")
                continue

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def attempt(case):
                response = isolated(lambda: case.call(headers=headers))
                case.validate_response(response, checks=[not_a_server_error], headers=headers)

            try:
                attempt()
            except Unsatisfiable:
                pass  # schemathesis cannot make an invalid value of this kind of parameter (e.g. a slug in a path)
            except (Exception, BaseExceptionGroup) as error:  # every operation is tried; failures listed below
                failures.append(f"{operation.label} ({mode.value}): {type(error).__name__}: {str(error)[:300]}")
            tried.append(operation.label)
    if left:
        warnings.warn(f"schemathesis: out of time before {len(left)} cases: {', '.join(left)}", stacklevel=1)
    assert len(set(tried)) >= len(operations) // 2
    assert failures == [], "\n".join(failures)
