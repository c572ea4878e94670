import hashlib

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.utils.translation import gettext as _
from ninja import Router, Schema

from guanxi.core.api import error_response

from .models import ApiToken

router = Router(tags=["auth"])

FAILURES_ALLOWED = 10
FAILURE_WINDOW = 300


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: str | None


@router.post("/token", auth=None, response={200: TokenOut}, operation_id="auth_token")
def auth_token(request, payload: TokenIn):
    """Exchange a username and password for a bearer token (failed tries are throttled)."""
    ip = request.META.get("REMOTE_ADDR", "")
    # hashed: usernames may hold spaces and symbols that some cache backends refuse in keys
    who = hashlib.sha256(f"{ip}\n{payload.username[:150].lower()}".encode()).hexdigest()
    throttle_key = f"api-login-fail:{who}"
    if cache.get(throttle_key, 0) >= FAILURES_ALLOWED:
        return error_response(429, "throttled", _("Too many failed logins. Try again in a few minutes."))
    user = authenticate(request, username=payload.username[:150], password=payload.password[:1000])
    if user is None or not user.is_active:
        cache.add(throttle_key, 0, FAILURE_WINDOW)
        cache.incr(throttle_key)
        return error_response(401, "invalid_credentials", _("The username or password is wrong."))
    cache.delete(throttle_key)
    from guanxi.audit.services import record_login

    record_login(request=request, user=user, username=user.username, success=True, method="api-token")
    row, token = ApiToken.issue(user, name="api", ttl_days=settings.API_TOKEN_TTL_DAYS)
    return {"token": token, "expires_at": row.expires_at.isoformat() if row.expires_at else None}
