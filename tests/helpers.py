"""Helpers shared by the API tests: database snapshots, the error shape, JSON requests."""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager

from django.db import transaction
from django.test import Client


def snapshot() -> tuple:
    """What a denied request must leave untouched: the customer tables, audit and search index."""
    from guanxi.audit.models import AuditEvent
    from guanxi.core.models import IdempotencyKey
    from guanxi.customers.models import Account, Contact
    from guanxi.org.models import Collaborator
    from guanxi.search.models import SearchDocument

    def digest(rows) -> str:
        return hashlib.sha256(json.dumps(list(rows), default=str, ensure_ascii=False).encode()).hexdigest()

    record_fields = ("id", "version", "owner_id", "deleted_at", "name", "updated_at")
    return (
        Account._base_manager.count(),
        digest(Account._base_manager.order_by("id").values_list(*record_fields)),
        Contact._base_manager.count(),
        digest(Contact._base_manager.order_by("id").values_list(*record_fields, "account_id")),
        AuditEvent.objects.count(),
        digest(AuditEvent.objects.order_by("id").values_list("id", "verb", "object_type", "object_id")),
        SearchDocument.objects.count(),
        digest(
            SearchDocument.objects.order_by("id").values_list(
                "object_type", "object_id", "owner_id", "tokens"
            )
        ),
        IdempotencyKey.objects.count(),
        digest(
            Collaborator.objects.order_by("id").values_list("object_type", "object_id", "user_id", "access")
        ),
    )


def token_client(user) -> Client:
    from guanxi.org.models import ApiToken

    if user is None:
        return Client()
    _row, token = ApiToken.issue(user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The error shape of CONTRACT.md, with `field` named among the fields when given."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    for name, messages in error["fields"].items():
        assert isinstance(name, str)
        assert isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages)
    if field is not None:
        assert field in error["fields"], error
    return error


def post_json(client: Client, path: str, data, **headers):
    return client.post(
        path, data=json.dumps(data, ensure_ascii=False), content_type="application/json", **headers
    )


def patch_json(client: Client, path: str, data, **headers):
    return client.patch(
        path, data=json.dumps(data, ensure_ascii=False), content_type="application/json", **headers
    )


@contextmanager
def module_transaction(django_db_blocker):
    """For module-scoped fixtures: rows built inside are shared by the module's tests (each of
    which runs in its own savepoint) and rolled back when the module is done."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
