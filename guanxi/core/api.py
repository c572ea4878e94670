"""What every API endpoint shares: bearer auth, the error shape, If-Match, Idempotency-Key."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import json
import re
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.responses import NinjaJSONEncoder, Status
from ninja.security import HttpBearer

from .errors import ApplicationError, PreconditionRequired, ValidationFailed, VersionConflict
from .models import IdempotencyKey
from .types import UserRequest

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def error_response(
    status: int, code: str, message: Any, fields: dict[str, Any] | None = None
) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": str(message), "fields": fields or {}}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt  # the API authenticates by bearer token: a PATCH to /api/v1/accounts/abc is a 404, not
# Django's HTML "CSRF verification failed" page (schemathesis found it on every write with an id)
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/ (an unknown one, or an id that is not a number such as
    /api/v1/accounts/abc): the API's own 404, not the HTML page."""
    return error_response(404, "not_found", _("Not found."))


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: Any) -> Any:
        from guanxi.org.models import ApiToken

        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.select_related("user", "user__department")
            .filter(digest=ApiToken.hash(token))
            .first()
        )
        now = timezone.now()
        if row is None or not row.user.is_active or (row.expires_at and row.expires_at < now):
            return None
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)  # at most every 5 minutes
        request.user = row.user
        return row.user


def _field_of(loc: Any) -> str:
    """The public field a pydantic error location points at: ("body", "payload", "tags", 0) is
    "tags" (the body is nested under the endpoint's parameter name), ("query", "limit") "limit"."""
    parts = list(loc)
    source = (
        parts.pop(0) if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form") else None
    )
    if source == "body":
        parts = parts[1:]
        if not parts:
            return "body"  # the body as a whole, e.g. a JSON number where an object belongs
    return str(parts[0]) if parts else "non_field"


class JsonParser(Parser):
    """Request bodies: strict JSON in UTF-8, and only text that can be stored; query parameters
    only text that can be stored.

    json.loads accepts NaN/Infinity, escaped halves of UTF-16 pairs ("\\ud800") and NUL
    ("\\u0000"); none is a value the databases can store (the driver fails with a 500: SQLite
    on surrogates, PostgreSQL on NUL), so they are refused here, naming the top-level field.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_constant=_no_constant)
        bad = _field_with_unstorable_text(data)
        if bad is not None:
            raise ValidationFailed(fields={bad: [_("This value is not valid.")]})
        return data

    def parse_querydict(self, data: Any, list_fields: Any, request: HttpRequest) -> Any:
        """Query parameters (and form fields) the same way: a NUL (%00) would reach PostgreSQL,
        which refuses it with a 500, from any filter that compares text (?q=, ?user=)."""
        for key, values in data.lists():
            if unstorable(key) or any(isinstance(v, str) and unstorable(v) for v in values):
                raise ValidationFailed(
                    fields={"query" if unstorable(key) else key: [_("This value is not valid.")]}
                )
        return super().parse_querydict(data, list_fields, request)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def unstorable(text: str) -> bool:
    """True for text no database here can store: with NUL or with a lone surrogate."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _field_with_unstorable_text(data: Any) -> str | None:
    top = data.items() if isinstance(data, dict) else [("body", data)]
    for key, value in top:
        name = "body" if unstorable(str(key)) else str(key)
        stack = [key, value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                if unstorable(item):
                    return name
            elif isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return None


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def _app_error(request: HttpRequest, exc: ApplicationError) -> JsonResponse:
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> JsonResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = err.get("loc", ())
            name = _field_of(loc)
            kind = err.get("type", "")
            if kind == "extra_forbidden":
                msg = _("Unknown field; it cannot be set here.")
            elif kind == "missing":
                msg = _("This field is required.")
            elif kind in ("json_invalid", "value_error.jsondecode") or "json" in kind:
                name, msg = "body", _("The body is not valid JSON.")
            elif kind.endswith("_type") or kind.endswith("_parsing"):
                msg = _("Wrong type of value.")
            else:
                msg = _("This value is not valid.")
            fields.setdefault(name, []).append(str(msg))
        return error_response(400, "validation_error", _("Some fields are not valid."), fields)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: Any) -> JsonResponse:
        return error_response(401, "unauthenticated", _("Send a valid token: Authorization: Bearer <token>."))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Any) -> JsonResponse:
        return error_response(404, "not_found", _("Not found."))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: Any) -> JsonResponse:
        return error_response(413, "too_large", _("The request body is too large."))

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
        # ninja turns any error while parsing the body into HttpError(400) and keeps the cause
        cause = exc.__cause__
        if isinstance(cause, ApplicationError):
            return _app_error(request, cause)
        if exc.status_code == 400 and cause is not None:
            message = (
                _("The body is not valid UTF-8.")
                if isinstance(cause, UnicodeDecodeError)
                else _("The body is not valid JSON.")
            )
            return error_response(400, "validation_error", message, {"body": [message]})
        code = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            429: "throttled",
        }.get(exc.status_code, "error")
        return error_response(exc.status_code, code, exc.message)

    @api.exception_handler(UnicodeDecodeError)
    def _bad_encoding(request: HttpRequest, exc: Any) -> JsonResponse:
        return error_response(
            400,
            "validation_error",
            _("The body is not valid UTF-8."),
            {"body": [_("The body is not valid UTF-8.")]},
        )


def _header(name: str, required: bool, description: str) -> dict[str, Any]:
    """openapi_extra declaring a request header that the operation reads itself (ninja documents
    only the parameters of the view's signature)."""
    return {
        "parameters": [
            {
                "in": "header",
                "name": name,
                "required": required,
                "schema": {"type": "string"},
                "description": description,
            }
        ]
    }


IF_MATCH = _header(
    "If-Match",
    True,
    'The ETag of the version the change starts from, e.g. "3": 428 without it, 412 if the record changed since.',
)
IF_MATCH_OPTIONAL = _header(
    "If-Match",
    False,
    'The ETag of the version the change starts from, e.g. "3": 412 if the record changed since.',
)
IDEMPOTENCY_KEY = _header(
    "Idempotency-Key",
    False,
    "Any unique string up to 200 characters: a repeat with the same key and body gets the first response "
    "instead of a second record (422 with another body).",
)


def headers(*extras: dict[str, Any]) -> dict[str, Any]:
    """openapi_extra declaring the headers of several of the above."""
    return {"parameters": [p for extra in extras for p in extra["parameters"]]}


# "3", W/"3", or a bare 3 (a common slip in hand-written requests); ASCII digits only.
_ETAG = re.compile(r'(?:W/)?(?:"([0-9]{1,18})"|([0-9]{1,18}))')


def if_match(request: HttpRequest, *, required: bool = True) -> int | None:
    """The version an update started from, from `If-Match: "<version>"` (weak tags accepted)."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw:
        if required:
            raise PreconditionRequired()
        return None
    match = _ETAG.fullmatch(raw)
    if match is None:
        raise VersionConflict(_('If-Match must be the ETag you received, such as "3".'))
    return int(match.group(1) or match.group(2))


def with_etag(response: ResponseT, version: int) -> ResponseT:
    response["ETag"] = f'"{version}"'
    return response


def idempotent(func: Any = None, *, fingerprint: Callable[[HttpRequest], str] | None = None) -> Any:
    """POST creates: a repeat with the same Idempotency-Key and body gets the first response.

    `@idempotent(fingerprint=f)`: f(request) → a hex digest standing for the body, for bodies
    that are not read whole into memory (multipart uploads: request.body is not available)."""
    if func is None:
        return functools.partial(idempotent, fingerprint=fingerprint)

    @functools.wraps(func)
    def wrapper(request: UserRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return func(request, *args, **kwargs)
        if len(key) > 200:
            return error_response(
                400,
                "validation_error",
                _("Idempotency-Key has at most 200 characters."),
                {"Idempotency-Key": [_("Idempotency-Key has at most 200 characters.")]},
            )
        if unstorable(key):
            return error_response(
                400,
                "validation_error",
                _("This value is not valid."),
                {"Idempotency-Key": [_("This value is not valid.")]},
            )
        body_hash = fingerprint(request) if fingerprint else hashlib.sha256(request.body).hexdigest()
        fresh_after = timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
        found = IdempotencyKey.objects.filter(user=request.user, key=key, path=request.path).first()
        if found and found.created_at < fresh_after:  # expired: forgotten, as if never sent
            IdempotencyKey.objects.filter(pk=found.pk, created_at__lt=fresh_after).delete()
            found = None
        if found:
            if found.body_hash != body_hash:
                return error_response(
                    422, "idempotency_mismatch", _("This Idempotency-Key was used with a different body.")
                )
            return JsonResponse(
                found.response, status=found.status, json_dumps_params={"ensure_ascii": False}
            )
        result = func(request, *args, **kwargs)
        status, body = (result.status_code, result.value) if isinstance(result, Status) else (200, result)
        if 200 <= status < 300:
            payload = json.loads(json.dumps(body, cls=NinjaJSONEncoder))  # exactly what was sent
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        user=request.user,
                        key=key,
                        path=request.path,
                        body_hash=body_hash,
                        status=status,
                        response=payload,
                    )
            except IntegrityError:
                pass  # a concurrent duplicate stored first; ours is equally valid
        return result

    # ninja resolves string annotations (`from __future__ import annotations`) in the globals of
    # the function it is given: this module's, not the endpoint's. Hand it the resolved signature.
    wrapper.__signature__ = inspect.signature(func, eval_str=True)  # type: ignore[attr-defined]
    return wrapper
