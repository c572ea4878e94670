"""audit.record(): every service calls it inside its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from guanxi.core import registry
from guanxi.core.types import Actor

from .models import AuditEvent, LoginEvent


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "pk"):
        return {"id": value.pk, "label": str(value)}
    return str(value)


def _declared(verb: str) -> str:
    if verb not in registry.verbs():
        raise ValueError(f"undeclared audit verb {verb!r}: declare it with core.registry.verb()")
    return verb


def record(
    *, actor: Actor, verb: str, obj: Any, changes: dict[str, tuple[Any, Any]] | None = None
) -> AuditEvent:
    _declared(verb)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", None) or "system",
        verb=verb,
        object_type=obj.POLICY_OBJECT_TYPE,
        object_id=obj.pk,
        object_label=str(obj)[:300],
        changes={k: [_plain(old), _plain(new)] for k, (old, new) in (changes or {}).items()},
    )


def record_bulk(*, actor: Actor, verb: str, objs: Any, changes_for: Any = None) -> None:
    _declared(verb)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if getattr(actor, "pk", None) else None,
                actor_label=getattr(actor, "username", None) or "system",
                verb=verb,
                object_type=o.POLICY_OBJECT_TYPE,
                object_id=o.pk,
                object_label=str(o)[:300],
                changes={
                    k: [_plain(a), _plain(b)] for k, (a, b) in (changes_for(o) if changes_for else {}).items()
                },
            )
            for o in objs
        ],
        batch_size=1000,
    )


def client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record_login(
    *, request: HttpRequest | None, user: Any, username: str, success: bool, method: str = "password"
) -> None:
    LoginEvent.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=(username or "")[:150],
        success=success,
        ip=client_ip(request),
        method=method,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
    )
