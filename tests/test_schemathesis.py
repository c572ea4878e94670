"""schemathesis over every operation of /api/v1/openapi.json, in process (WSGI), as a signed-in
superuser (a bearer token from POST /auth/token): no answer is a server error, and every answer
is one the document declares (status code, content type, body schema).

Bounded so that it runs in `make test` on SQLite and PostgreSQL in a couple of minutes and says
the same every time: a few examples per operation, derandomized (a fixed seed), no shrinking.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.schemathesis

DJANGO = get_wsgi_application()
FUZZING = False


def app(environ, start_response):
    # A server always knows the client's address; schemathesis' in-process client sends none.
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    if FUZZING:  # as Django's test client does (which connects them again after each of its requests)
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
    return DJANGO(environ, start_response)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 5


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: a request must not close the connection that holds the test's
    transaction (on PostgreSQL each request would otherwise start on a new connection, without
    the test's data)."""
    global FUZZING
    FUZZING = True
    yield
    FUZZING = False
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(org, client):
    from guanxi.org.models import User

    User.objects.create_superuser("fuzz-admin", password="fuzz-admin-password-1")
    response = client.post(
        "/api/v1/auth/token",
        {"username": "fuzz-admin", "password": "fuzz-admin-password-1"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_answers_as_documented(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
