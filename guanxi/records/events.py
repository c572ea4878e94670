"""Domain events: how apps hear of each other's writes without importing upward.

A service emits an event inside its write transaction:

    events.emit("activity_logged", actor=actor, obj=activity, lead=activity.lead_id)

and the event is stored in the outbox (`OutboxEvent`, for webhooks, the change feed and automation
rules), then handed to the handlers that the apps which care registered in their `registry.py`:

    @events.on("activity_logged")                 # after the transaction commits
    def rescore(event): ...

    @events.on("record_restored", kind="activity", atomic=True)   # inside it, before commit
    def refresh_summary(event): ...

Handlers run after commit unless they keep derived state that must commit or roll back with the
write itself (`atomic=True`: a failure there fails the write). A failing after-commit handler is
logged, never raised: the write has already happened. Event names are declared with
`core.registry.event()`, so a typo fails at once instead of going unheard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from guanxi.core import registry

from .models import OutboxEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    actor: Any
    object_type: str
    object_id: int | None
    payload: dict[str, Any]
    obj: Any = None  # the record itself, for in-process handlers (not stored)
    id: int | None = None  # the outbox row


@dataclass(frozen=True)
class _Handler:
    func: Callable[[Event], None]
    kind: str | None
    atomic: bool


_HANDLERS: dict[str, list[_Handler]] = {}
_ENCODER = DjangoJSONEncoder()


def on(
    name: str, *, kind: str | None = None, atomic: bool = False
) -> Callable[[Callable[[Event], None]], Callable[[Event], None]]:
    """Register a handler of the event `name` (for records of `kind` only, when given)."""

    def decorator(func: Callable[[Event], None]) -> Callable[[Event], None]:
        handler = _Handler(func=func, kind=kind, atomic=atomic)
        if handler not in _HANDLERS.setdefault(name, []):
            _HANDLERS[name].append(handler)
        return func

    return decorator


def _plain(payload: dict[str, Any]) -> dict[str, Any]:
    """JSON the outbox can store: dates as ISO text, Decimals as text, records as their ids."""
    import json

    def default(value: Any) -> Any:
        if hasattr(value, "pk"):
            return value.pk
        return _ENCODER.default(value)

    result: dict[str, Any] = json.loads(json.dumps(payload, default=default))
    return result


def emit(
    name: str,
    *,
    actor: Any,
    obj: Any = None,
    object_type: str = "",
    object_id: int | None = None,
    **payload: Any,
) -> Event:
    """Store the event and hand it to its handlers (see the module's docstring). Call it inside the
    write's transaction; outside one, after-commit handlers run at once."""
    if name not in registry.events():
        raise ValueError(f"undeclared event {name!r}: declare it with core.registry.event()")
    if obj is not None:
        object_type, object_id = obj.POLICY_OBJECT_TYPE, obj.pk
    plain = _plain(payload)
    row = OutboxEvent.objects.create(
        name=name,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", None) or "system",
        object_type=object_type,
        object_id=object_id,
        payload=plain,
    )
    event = Event(
        name=name,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        payload=plain,
        obj=obj,
        id=row.pk,
    )
    handlers = [h for h in _HANDLERS.get(name, ()) if h.kind in (None, object_type)]
    for handler in handlers:
        if handler.atomic:
            handler.func(event)
    later = [h for h in handlers if not h.atomic]
    if later:
        transaction.on_commit(lambda: _run_after_commit(event, later))
    return event


def _run_after_commit(event: Event, handlers: list[_Handler]) -> None:
    for handler in handlers:
        try:
            handler.func(event)
        except Exception:  # the write is committed: one handler's failure must not undo or hide it
            log.exception(
                "handler %s of event %s #%s failed", handler.func.__qualname__, event.name, event.id
            )


def handlers_of(name: str) -> list[Callable[[Event], None]]:
    """The registered handlers of an event (for tests and the architecture docs)."""
    return [h.func for h in _HANDLERS.get(name, ())]


__all__ = ["Event", "emit", "handlers_of", "on"]
