"""Login history: successes and failures, with the client's IP."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .services import record_login


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record_login(request=request, user=user, username=user.get_username(), success=True)


@receiver(user_login_failed)
def _on_login_failed(
    sender: Any, credentials: Any, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username") or credentials.get("email") or credentials.get("login") or "")[
        :150
    ]
    # Tie the failure to the account it targeted, so its owner sees it in their login history.
    User = get_user_model()
    user = User.objects.filter(username__iexact=username).first() if username else None
    if user is None and "@" in username:
        user = User.objects.filter(email__iexact=username).first()
    record_login(request=request, user=user, username=username, success=False)
