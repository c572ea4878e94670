"""Domain events (guanxi/records/events.py): stored in the outbox, handed to handlers in or after
the transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.core import registry
from guanxi.records import events
from guanxi.records.models import OutboxEvent

pytestmark = pytest.mark.django_db

registry.event("test_happened", "A test event")


@pytest.fixture
def heard():
    calls: list[tuple[str, events.Event]] = []

    @events.on("test_happened", atomic=True)
    def now(event):
        calls.append(("atomic", event))

    @events.on("test_happened")
    def later(event):
        calls.append(("after commit", event))

    @events.on("test_happened", kind="contact")
    def contacts_only(event):
        calls.append(("contact", event))

    yield calls
    events._HANDLERS["test_happened"] = []


def test_an_event_is_stored_and_heard_inside_and_after_the_transaction(
    heard, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        event = events.emit(
            "test_happened",
            actor=org["rep1"],
            object_type="account",
            object_id=7,
            amount=Decimal("1.50"),
            at=dt.date(2026, 12, 1),
            who=org["rep2"],
        )
        assert [c[0] for c in heard] == ["atomic"]  # the after-commit one waits for the commit
    row = OutboxEvent.objects.get(pk=event.id)
    assert (row.name, row.actor, row.actor_label, row.object_type, row.object_id) == (
        "test_happened",
        org["rep1"],
        "rep1",
        "account",
        7,
    )
    assert row.payload == {"amount": "1.50", "at": "2026-12-01", "who": org["rep2"].pk}
    for callback in pending:
        callback()
    assert [c[0] for c in heard] == ["atomic", "after commit"]  # not the contacts-only handler


def test_a_rolled_back_write_is_never_heard_after_commit(heard, org, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            events.emit("test_happened", actor=None)
            raise RuntimeError("the write fails")
    assert [c[0] for c in heard] == ["atomic"]
    assert not OutboxEvent.objects.filter(name="test_happened").exists()


def test_a_failing_handler_after_commit_is_logged_not_raised(org, caplog, django_capture_on_commit_callbacks):
    @events.on("test_happened")
    def broken(event):
        raise ValueError("boom")

    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.emit("test_happened", actor=org["rep1"])
        assert "failed" in caplog.text and "boom" in caplog.text
    finally:
        events._HANDLERS["test_happened"] = []


def test_an_undeclared_event_is_refused(db):
    with pytest.raises(ValueError, match="undeclared"):
        events.emit("no_such_event", actor=None)
