from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .selectors import login_throttle_key


class AccountAdapter(DefaultAccountAdapter):
    """Users are created by administrators; there is no public sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys its `login_failed` limit by the typed login: typing the email instead of
        # the username would get another 5 guesses. Both name one account, so count per account
        # (the sign-in page and POST /api/v1/auth/token alike; a password reset clears it).
        return login_throttle_key(credentials.get("email", credentials.get("username", "")))
