"""Browser tests: a real `guanxi serve` per test worker, driven by Playwright in Debian's Chromium.

Why a subprocess rather than pytest-django's `live_server`: the browser then talks to exactly
what `make demo` runs (waitress, whitenoise, the CSP middleware) over its own SQLite file with
the demo data, nothing is shared between threads, and Playwright's event loop never meets the
Django ORM in the test process. Each xdist worker gets its own temporary GUANXI_VAR_DIR (so its
own database and secret key) and its own free port, so workers never clash.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "guanxi-demo"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 (our own local server)
        return r.status


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> str:
    """Migrate a fresh SQLite database, load the demo data, serve it; yield the base URL."""
    var = tmp_path_factory.mktemp("guanxi-e2e-var")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SECRET_KEY_FILE"}
    }
    env.update(
        GUANXI_VAR_DIR=str(var),
        DEBUG="false",
        HTTPS="false",
        EMBEDDED_SCHEDULER="false",
        LANGUAGE_CODE="zh-hans",
        TIME_ZONE="Asia/Shanghai",
        PYTHONUNBUFFERED="1",
    )
    cli = [sys.executable, "-m", "guanxi.cli"]
    log = (var / "server.log").open("w")
    for cmd in (["migrate", "--noinput"], ["demo-data"]):
        subprocess.run([*cli, *cmd], cwd=REPO, env=env, check=True, stdout=log, stderr=subprocess.STDOUT)

    proc = port = None
    for _attempt in range(3):  # the free port may be taken between finding and binding it
        port = _free_port()
        proc = subprocess.Popen(
            [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", "4"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(OSError):
                if _get(f"http://127.0.0.1:{port}/healthz") == 200:
                    break
            time.sleep(0.1)
        else:
            proc.kill()
            proc.wait()
            proc = None
            continue
        break
    if proc is None:
        log.close()
        pytest.fail("guanxi serve did not start:\n" + (var / "server.log").read_text()[-4000:])
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (Debian's chromium + fonts-noto-cjk)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@dataclass
class BrowserLog:
    """What the page complained about: console errors (CSP violations are console errors in
    Chromium), uncaught exceptions, and failed sub-resource requests (a 404 on a CSS file)."""

    problems: list[str] = field(default_factory=list)
    checked: bool = False

    def on_console(self, msg) -> None:
        if msg.type in ("error", "warning") and (
            msg.type == "error" or "Content Security Policy" in msg.text
        ):
            self.problems.append(f"console.{msg.type}: {msg.text} @ {msg.location.get('url', '')}")

    def on_page_error(self, exc) -> None:
        self.problems.append(f"pageerror: {exc}")

    def on_response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def on_request_failed(self, request) -> None:
        if request.failure == "net::ERR_ABORTED":  # superseded (a newer search, a navigation)
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def assert_clean(self) -> None:
        self.checked = True
        assert not self.problems, "The browser reported problems:\n" + "\n".join(self.problems)


@dataclass
class Session:
    page: object
    log: BrowserLog
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, f"GET {path} → {response and response.status}"
        return response

    def login(self, username: str, password: str = PASSWORD) -> None:
        page = self.page
        self.goto("/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("[data-testid=login-submit]").click()
        page.wait_for_load_state("load")
        assert page.url == self.url("/"), f"login as {username} landed on {page.url}"

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path


@pytest.fixture
def open_session(server, browser):
    """open_session(viewport=DESKTOP, language="zh-hans") → a Session in a fresh browser context.

    The context sends Accept-Language zh-CN; `language` also sets the language cookie so the page
    language does not depend on what an earlier test chose as a user preference (None: no cookie).
    Every test must end clean: no console error, CSP violation, uncaught exception or failed load.
    """
    contexts, logs = [], []

    def make(*, viewport=DESKTOP, language: str | None = "zh-hans", **kwargs) -> Session:
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", device_scale_factor=1, **kwargs
        )
        context.set_default_timeout(10_000)
        if language:
            context.add_cookies([{"name": "guanxi_language", "value": language, "url": server}])
        page = context.new_page()
        log = BrowserLog()
        page.on("console", log.on_console)
        page.on("pageerror", log.on_page_error)
        page.on("response", log.on_response)
        page.on("requestfailed", log.on_request_failed)
        contexts.append(context)
        logs.append(log)
        return Session(page=page, log=log, base_url=server)

    yield make
    for context in contexts:
        context.close()
    for log in logs:
        if not log.checked:
            log.assert_clean()
