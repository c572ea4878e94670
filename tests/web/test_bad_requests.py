"""Bad input in a page's query string is the 400 page (or the view's own error), never a 500."""

from __future__ import annotations

import base64
import json

from django.test import Client


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# an instant that parses but overflows when converted to UTC, as the database adapters do
OVERFLOWING = _cursor(["-updated_at", {"dt": "0001-01-01T00:00:00+14:00"}, 1])


def _web(org, username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(org[username])
    return client


def test_a_tampered_cursor_is_the_400_page(org):
    client = _web(org, "admin")
    assert client.get("/sales/leads/recycle-bin/", {"cursor": OVERFLOWING}).status_code == 400
    assert client.get("/customers/accounts/", {"cursor": OVERFLOWING}).status_code in (200, 400)


def test_a_tampered_cursor_of_a_kanban_column_is_a_400(org):
    from guanxi.demo.sales import ensure_pipelines

    pipeline, _channel = ensure_pipelines()
    stage = pipeline.stages.order_by("order").first()
    response = _web(org, "rep1").get(
        f"/sales/pipelines/{pipeline.pk}/board/column/{stage.pk}/", {"cursor": OVERFLOWING}
    )
    assert response.status_code == 400


def test_a_missing_parameter_is_the_400_page(org):
    """The attachments panel needs the record it belongs to: without one it is a bad request."""
    assert _web(org, "rep1").get("/engagement/attachments/panel/").status_code == 400
