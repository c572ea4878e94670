"""Keeping the index in step. Services call these inside their write transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .models import SearchDocument
from .tokenizers import document


def index(obj: Any) -> None:
    SearchDocument.objects.update_or_create(
        object_type=obj.POLICY_OBJECT_TYPE,
        object_id=obj.pk,
        defaults={
            "tokens": document(obj.search_terms()),
            "owner_id": obj.owner_id,
            "updated_at": timezone.now(),
        },
    )


def index_new(obj: Any) -> None:
    """The index entry of a record created in this transaction (it has none yet): one INSERT,
    no lookup first."""
    document_for(obj).save(force_insert=True)


def remove(obj: Any) -> None:
    SearchDocument.objects.filter(object_type=obj.POLICY_OBJECT_TYPE, object_id=obj.pk).delete()


def set_owner(object_type: str, ids: Iterable[int], owner_id: int) -> None:
    SearchDocument.objects.filter(object_type=object_type, object_id__in=list(ids)).update(owner_id=owner_id)


def document_for(obj: Any, *, now: Any = None) -> SearchDocument:
    """The (unsaved) index entry of a record that already has its primary key."""
    return SearchDocument(
        object_type=obj.POLICY_OBJECT_TYPE,
        object_id=obj.pk,
        owner_id=obj.owner_id,
        tokens=document(obj.search_terms()),
        updated_at=now or timezone.now(),
    )


def bulk_index(objs: Iterable[Any], *, batch_size: int = 2000) -> None:
    """For generators and imports: objects must already have their primary keys."""
    now = timezone.now()
    SearchDocument.objects.bulk_create((document_for(o, now=now) for o in objs), batch_size=batch_size)
