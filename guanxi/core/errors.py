"""ApplicationError: what services raise; the API and the UI render it for the user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Message = str | Promise  # a text or a lazy translation


class ApplicationError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: Message | None = None,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message or _("The request is not valid.")
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = {
            k: [str(m) for m in (v if isinstance(v, (list, tuple)) else [v])]
            for k, v in (fields or {}).items()
        }
        super().__init__(str(self.message))


class ValidationFailed(ApplicationError):
    status = 400
    code = "validation_error"

    @classmethod
    def from_django(cls, exc: ValidationError) -> ValidationFailed:
        """From django.core.exceptions.ValidationError, keeping the field names."""
        if hasattr(exc, "message_dict"):
            fields = {("non_field" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
        else:
            fields = {"non_field": exc.messages}
        return cls(_("Some fields are not valid."), fields=fields)


class NotFound(ApplicationError):
    """Absent, or invisible to the actor: the two answer the same (no existence oracle)."""

    status = 404
    code = "not_found"

    def __init__(self, message: Message | None = None, **kw: Any) -> None:
        super().__init__(message or _("Not found."), **kw)


class PermissionDenied(ApplicationError):
    status = 403
    code = "forbidden"

    def __init__(self, message: Message | None = None, **kw: Any) -> None:
        super().__init__(message or _("You do not have permission to do this."), **kw)


class VersionConflict(ApplicationError):
    status = 412
    code = "version_conflict"

    def __init__(self, message: Message | None = None, **kw: Any) -> None:
        super().__init__(
            message
            or _("Someone else changed this record in the meantime. Reload it and apply your change again."),
            **kw,
        )


class PreconditionRequired(ApplicationError):
    status = 428
    code = "precondition_required"

    def __init__(self, message: Message | None = None, **kw: Any) -> None:
        super().__init__(message or _("Send the version you started from in the If-Match header."), **kw)


class Throttled(ApplicationError):
    """Too many requests of one kind in a while (core.ratelimit); the message says how long."""

    status = 429
    code = "throttled"
