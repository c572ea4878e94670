"""Login history: successes and failures, with the client's IP."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .services import record_login


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    record_login(request=request, user=user, username=user.get_username(), success=True)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
    record_login(request=request, user=None, username=str(username), success=False)
