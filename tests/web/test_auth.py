"""Sign-in, throttling, password reset by email, two-factor pages."""

from django.core import mail
from django.test import Client


def _login(client, username, password):
    return client.post(
        "/accounts/login/", {"login": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_login_and_logout(org):
    c = Client()
    r = _login(c, "rep1", "guanxi-demo")
    assert r.status_code == 302
    assert c.get("/").status_code == 200
    c.post("/accounts/logout/")
    assert c.get("/").status_code == 302


def test_failed_logins_are_throttled_even_with_the_right_password(org):
    c = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(5):
        assert _login(c, "rep2", "wrong").status_code == 200
    r = _login(c, "rep2", "guanxi-demo")
    assert r.status_code in (200, 429)
    assert "/accounts/login/" in r.wsgi_request.path and "Too many" in r.content.decode()
    assert c.get("/").status_code == 302  # still signed out


def test_inactive_users_cannot_sign_in(org):
    r = _login(Client(), "inactive", "guanxi-demo")
    assert r.status_code != 302 or "inactive" in r["Location"]


def test_password_reset_sends_an_email(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    r = Client().post(
        "/accounts/password/reset/", {"email": "rep1@guanxi.example"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rep1@guanxi.example"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_no_public_sign_up(db):
    r = Client().get("/accounts/signup/")
    assert r.status_code in (200, 403)
    assert 'name="password1"' not in r.content.decode()


def test_two_factor_pages_render_in_the_app_layout(web):
    client = web("rep1")
    r = client.get("/accounts/2fa/")
    assert r.status_code == 200 and "gx-sidebar" in r.content.decode()
    r = client.get("/accounts/2fa/totp/activate/")  # asks for the password again first
    assert r.status_code == 302 and "/accounts/reauthenticate/" in r["Location"]
    r = client.post(r["Location"], {"password": "guanxi-demo"})
    r = client.get("/accounts/2fa/totp/activate/")
    html = r.content.decode()
    assert (
        r.status_code == 200 and "gx-sidebar" in html and 'name="code"' in html
    )  # QR code + secret to confirm


def test_session_and_csrf_cookies_are_http_only_and_lax(org):
    c = Client()
    r = _login(c, "rep1", "guanxi-demo")
    cookie = r.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
