"""Failed sign-ins are counted per account, whatever the address, whether the username or the
email was typed, and whether through the sign-in page or POST /api/v1/auth/token (django-allauth's
`login_failed` rate limits, ACCOUNT_RATE_LIMITS: 5 per account in 5 minutes, 10 per address a
minute). A lock ends when the window has passed: a stranger cannot lock anyone out for good."""

from __future__ import annotations

import time
import uuid

import pytest
from django.test import Client

from tests.helpers import assert_error, post_json

TOKEN = "/api/v1/auth/token"


@pytest.fixture
def user(db):
    from guanxi.org.models import User

    name = f"victim-{uuid.uuid4().hex[:8]}"
    return User.objects.create_user(name, email=f"{name}@guanxi.example", password="right-password")


def _api(user_login: str, password: str, ip: str):
    return post_json(Client(REMOTE_ADDR=ip), TOKEN, {"username": user_login, "password": password})


def _ui(user_login: str, password: str, ip: str):
    return Client(REMOTE_ADDR=ip).post(
        "/accounts/login/", {"login": user_login, "password": password}, HTTP_ACCEPT_LANGUAGE="en"
    )


def _locked_out_of_both(user) -> bool:
    api = _api(user.username, "right-password", "203.0.113.200")
    ui = _ui(user.email, "right-password", "203.0.113.201")
    return api.status_code == 429 and ui.status_code != 302


def test_another_address_or_the_email_gets_no_more_guesses(user):
    """Five wrong passwords from five addresses, by username and by email, through the API and
    the page: the account is locked for both ways in."""
    tries = [
        (_api, user.username),
        (_api, user.email),
        (_ui, user.email.upper()),
        (_api, user.username.upper()),
        (_ui, user.username),
    ]
    for n, (send, login) in enumerate(tries):
        response = send(login, "wrong", f"198.51.100.{n + 1}")
        assert response.status_code in (200, 401), response.status_code
    response = _api(user.email, "right-password", "198.51.100.99")
    assert assert_error(response, 429)["code"] == "throttled"
    assert _locked_out_of_both(user)


def test_a_lock_ends_when_the_window_has_passed(user, monkeypatch):
    """Hammering a locked account does not extend the lock: failures are counted only while the
    account is not locked, so it opens 5 minutes after the failures that locked it."""
    start = time.time()
    for n in range(5):
        _api(user.username, "wrong", f"192.0.2.{n + 1}")
    assert _locked_out_of_both(user)
    monkeypatch.setattr(time, "time", lambda: start + 120)
    for n in range(30):
        assert _api(user.username, "wrong", f"192.0.2.{n + 10}").status_code == 429
    assert _locked_out_of_both(user)
    monkeypatch.setattr(time, "time", lambda: start + 5 * 60 + 1)
    assert _api(user.username, "right-password", "192.0.2.100").status_code == 200
    assert _ui(user.email, "right-password", "192.0.2.101").status_code == 302


def test_guesses_at_unknown_accounts_are_counted_per_typed_login(db):
    for n in range(5):
        assert _api("nobody-at-all", "x", f"203.0.113.{n + 1}").status_code == 401
    assert _api("nobody-at-all", "x", "203.0.113.50").status_code == 429
    assert _api("somebody-else", "x", "203.0.113.51").status_code == 401
