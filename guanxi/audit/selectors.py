"""Field history of a record. Callers have already checked that the actor may read it."""

from .models import AuditEvent


def history_for(obj, *, limit: int = 50):
    return list(AuditEvent.objects.filter(object_type=obj.POLICY_OBJECT_TYPE, object_id=obj.pk)
                .select_related("actor").order_by("-at", "-id")[:limit])


def logins_for(user, *, limit: int = 20):
    from .models import LoginEvent
    return list(LoginEvent.objects.filter(user=user).order_by("-at")[:limit])
