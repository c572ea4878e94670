from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from guanxi.core.api import error_response
from guanxi.core.schemas import ErrorOut

from .models import ApiToken

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: str | None


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    operation_id="auth_token",
)
def auth_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a username (or email) and password for a bearer token. Failed tries are
    throttled as on the sign-in page, which shares the count: 5 per account in 5 minutes, 10 per
    address a minute (429 until the window has passed)."""
    try:
        # allauth's sign-in path: its `login_failed` rate limits, counted per account (adapters.py)
        user = get_adapter(request).authenticate(
            request, username=payload.username[:150], password=payload.password[:1000]
        )
    except ValidationError:  # allauth: too many failed sign-ins
        return error_response(429, "throttled", _("Too many failed logins. Try again in a few minutes."))
    if user is None or not user.is_active:
        return error_response(401, "invalid_credentials", _("The username or password is wrong."))
    from guanxi.audit.services import record_login

    record_login(request=request, user=user, username=user.username, success=True, method="api-token")
    row, token = ApiToken.issue(user, name="api", ttl_days=settings.API_TOKEN_TTL_DAYS)
    return {"token": token, "expires_at": row.expires_at.isoformat() if row.expires_at else None}
