"""/api/v1/attachments: the contract, bad input, limits, downloads, idempotency, and the
permission matrix (persona × operation; the database and the storage unchanged after every denial)."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

import pytest

from guanxi.audit.models import AuditEvent
from guanxi.engagement.models import Activity, Attachment
from tests.factories import AccountFactory, ContactFactory
from tests.helpers import assert_error

from .test_attachments_sniff import DOCX, HTML, JPEG, PDF, SVG, png_bytes, stored_files, temp_media, upload

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "attachment_upload",
    "attachment_list",
    "attachment_get",
    "attachment_download",
    "attachment_delete",
    "attachment_restore",
}

URL = "/api/v1/attachments"
OUT_KEYS = {
    "id",
    "name",
    "content_type",
    "size",
    "sha256",
    "account",
    "contact",
    "activity",
    "owner",
    "created_at",
    "deleted_at",
    "download_url",
}


@pytest.fixture
def media(settings, tmp_path):
    return temp_media(settings, tmp_path)


@pytest.fixture
def world(org):
    """An account, a contact and a follow-up of rep1 (East)."""
    account = AccountFactory(owner=org["rep1"], name="附件测试科技有限公司")
    contact = ContactFactory(owner=org["rep1"], name="附件先生", account=account.pk)
    activity = Activity.objects.create(kind="call", subject="报价电话", owner=org["rep1"], account=account)
    return {"account": account, "contact": contact, "activity": activity}


def post_file(client, data: bytes, name: str = "报价单.pdf", **fields):
    return client.post(URL, data={"file": upload(data, name), **fields})


def state(root) -> tuple:
    """What a denied or refused request must leave unchanged."""
    rows = list(Attachment.objects.order_by("id").values_list("id", "deleted_at", "file", "name"))
    return rows, AuditEvent.objects.count(), stored_files(root)


# --- contract -------------------------------------------------------------------------------------


def test_upload_contract(api, org, world, media):
    client = api("rep1")
    response = post_file(client, PDF, "报价单 2024.pdf", account=str(world["account"].pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == OUT_KEYS
    assert body["name"] == "报价单 2024.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (body["account"], body["contact"], body["activity"]) == (world["account"].pk, None, None)
    assert body["owner"] == {"id": org["rep1"].pk, "username": "rep1"}
    assert body["deleted_at"] is None
    assert body["download_url"] == f"{URL}/{body['id']}/download"
    row = Attachment.objects.get(pk=body["id"])
    # a random storage name: no trace of the uploaded name or extension in the path
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}", row.file.name), row.file.name
    assert stored_files(media) == [row.file.name]
    assert (media / row.file.name).read_bytes() == PDF
    event = AuditEvent.objects.filter(
        object_type="account", object_id=world["account"].pk, verb="update"
    ).latest("id")
    assert event.changes == {"attachments": [None, "报价单 2024.pdf"]}


def test_upload_to_contact_and_activity(api, world, media):
    client = api("rep1")
    r1 = post_file(client, png_bytes(), "名片.png", contact=str(world["contact"].pk))
    r2 = post_file(client, DOCX, "纪要.docx", activity=str(world["activity"].pk))
    assert (r1.status_code, r2.status_code) == (201, 201)
    assert r1.json()["contact"] == world["contact"].pk and r1.json()["content_type"] == "image/png"
    assert r2.json()["activity"] == world["activity"].pk and r2.json()["name"] == "纪要.docx"


def test_detail_list_delete_restore(api, world, media, django_assert_max_num_queries):
    client = api("rep1")
    ids = [
        post_file(client, png_bytes(i + 1), f"图{i}.png", account=str(world["account"].pk)).json()["id"]
        for i in range(3)
    ]
    detail = client.get(f"{URL}/{ids[0]}")
    assert detail.status_code == 200 and detail.json()["name"] == "图0.png"
    with django_assert_max_num_queries(8):
        first = client.get(URL, {"account": world["account"].pk, "limit": 2})
    assert first.status_code == 200
    page1 = first.json()
    assert [i["id"] for i in page1["items"]] == [ids[2], ids[1]] and page1["next_cursor"]
    page2 = client.get(
        URL, {"account": world["account"].pk, "limit": 2, "cursor": page1["next_cursor"]}
    ).json()
    assert [i["id"] for i in page2["items"]] == [ids[0]] and page2["next_cursor"] is None

    assert client.delete(f"{URL}/{ids[0]}").status_code == 204
    assert_error(client.get(f"{URL}/{ids[0]}"), 404)
    assert_error(client.get(f"{URL}/{ids[0]}/download"), 404)
    assert [i["id"] for i in client.get(URL, {"account": world["account"].pk}).json()["items"]] == [
        ids[2],
        ids[1],
    ]
    binned = client.get(URL, {"account": world["account"].pk, "deleted": "true"}).json()["items"]
    assert [i["id"] for i in binned] == [ids[0]] and binned[0]["deleted_at"]
    assert AuditEvent.objects.filter(
        object_type="account", changes={"attachments": ["图0.png", None]}
    ).exists()

    restored = client.post(f"{URL}/{ids[0]}/restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert client.get(f"{URL}/{ids[0]}/download").status_code == 200
    assert_error(client.post(f"{URL}/{ids[0]}/restore"), 404)  # not in the bin any more


def test_same_content_on_same_record_answers_the_existing_attachment(api, world, media):
    client = api("rep1")
    first = post_file(client, PDF, "a.pdf", account=str(world["account"].pk))
    again = post_file(client, PDF, "copy.pdf", account=str(world["account"].pk))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["name"] == "a.pdf"
    elsewhere = post_file(client, PDF, "a.pdf", contact=str(world["contact"].pk))
    assert elsewhere.status_code == 201
    assert Attachment.objects.count() == 2 and len(stored_files(media)) == 2


def test_idempotency_key(api, world, media):
    client = api("rep1")
    acc = str(world["account"].pk)
    first = client.post(URL, data={"file": upload(PDF, "a.pdf"), "account": acc}, HTTP_IDEMPOTENCY_KEY="k-1")
    repeat = client.post(URL, data={"file": upload(PDF, "a.pdf"), "account": acc}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, repeat.status_code) == (201, 201)
    assert repeat.json() == first.json()
    other = client.post(URL, data={"file": upload(JPEG, "b.jpg"), "account": acc}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert_error(other, 422)
    assert Attachment.objects.count() == 1 and len(stored_files(media)) == 1


# --- downloads ------------------------------------------------------------------------------------


def test_download_headers_and_body(api, world, media):
    client = api("rep1")
    body = post_file(client, PDF, "报价单 2024.pdf", account=str(world["account"].pk)).json()
    response = client.get(body["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "private" in response["Cache-Control"]
    assert response["Content-Length"] == str(len(PDF))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('报价单 2024.pdf', safe='')}" in disposition
    assert "报价单" not in disposition  # the header itself stays ASCII


def test_download_of_text_keeps_its_charset_and_never_renders(api, world, media):
    client = api("rep1")
    data = "名单\n张三\n".encode("gb18030")
    body = post_file(client, data, "名单.csv", account=str(world["account"].pk)).json()
    response = client.get(body["download_url"])
    assert response["Content-Type"] == "text/csv; charset=gb18030"
    assert response["Content-Disposition"].startswith("attachment;")


def test_download_of_a_lost_file_is_404_not_500(api, world, media):
    client = api("rep1")
    body = post_file(client, PDF, account=str(world["account"].pk)).json()
    (media / Attachment.objects.get(pk=body["id"]).file.name).unlink()
    assert_error(client.get(body["download_url"]), 404)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [(HTML, "cat.png"), (SVG, "cat.png"), (b"", "empty.pdf"), (b"MZ\x90\x00" + b"\x00" * 60, "invoice.pdf")],
)
def test_lying_or_empty_files_are_400_naming_file(api, world, media, data, name):
    before = state(media)
    response = post_file(api("rep1"), data, name, account=str(world["account"].pk))
    assert_error(response, 400, "file")
    assert state(media) == before


def test_oversize_file_is_413_naming_file(api, world, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    before = state(media)
    response = post_file(api("rep1"), b"a" * 5000, "big.txt", account=str(world["account"].pk))
    error = assert_error(response, 413, "file")
    assert "larger than" in error["fields"]["file"][0]
    assert state(media) == before


def test_far_oversize_request_is_413_before_the_body_is_read(api, world, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    before = state(media)
    response = post_file(api("rep1"), b"a" * 200_000, "big.txt", account=str(world["account"].pk))
    assert_error(response, 413, "file")
    assert state(media) == before


def test_file_over_the_memory_spool_size_is_stored_whole(api, world, media, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000  # spooled to a temporary file
    data = ("一行文字\n" * 5000).encode()
    response = post_file(api("rep1"), data, "长文.txt", account=str(world["account"].pk))
    assert response.status_code == 201, response.content
    assert (media / Attachment.objects.get().file.name).read_bytes() == data


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({}, {"account", "contact", "activity"}),
        ({"account": "A", "contact": "C"}, {"account", "contact"}),
        ({"account": "abc"}, {"account"}),
        ({"account": "1 OR 1=1"}, {"account"}),
        ({"account": "1; DROP TABLE engagement_attachment"}, {"account"}),
        ({"contact": "<script>alert(1)</script>"}, {"contact"}),
        ({"activity": "99999999999999999999999999"}, {"activity"}),
        ({"account": "-1"}, {"account"}),
        ({"account": "١٢"}, {"account"}),  # Arabic-Indic digits are not an id
        ({"account": "A", "owner": "rep2"}, {"owner"}),
        ({"account": "A", "version": "3"}, {"version"}),
    ],
)
def test_bad_parent_fields_are_400_naming_them(api, world, media, fields, named):
    refs = {"A": str(world["account"].pk), "C": str(world["contact"].pk)}
    fields = {k: refs.get(v, v) for k, v in fields.items()}
    before = state(media)
    error = assert_error(post_file(api("rep1"), PDF, **fields), 400)
    assert named <= set(error["fields"]), error
    assert state(media) == before


def test_nul_and_markup_in_the_file_name_are_cleaned(api, world, media):
    response = post_file(api("rep1"), PDF, "<b>x</b>\x00;DROP--.pdf", account=str(world["account"].pk))
    assert response.status_code == 201
    assert (
        response.json()["name"] == "b>;DROP--.pdf"
    )  # "/" ends a path part; NUL dropped; templates escape the rest


def test_missing_file_or_two_files_or_json_body(api, world, media):
    client = api("rep1")
    acc = str(world["account"].pk)
    assert_error(client.post(URL, data={"account": acc}), 400, "file")
    two = client.post(URL, data={"account": acc, "file": [upload(PDF, "a.pdf"), upload(JPEG, "b.jpg")]})
    assert_error(two, 400, "file")
    other = client.post(URL, data={"account": acc, "document": upload(PDF, "a.pdf")})
    assert_error(other, 400, "document")
    as_json = client.post(URL, data={"account": acc}, content_type="application/json")
    assert_error(as_json, 400, "file")
    assert Attachment.objects.count() == 0


def test_malformed_multipart_is_400(api, world, media):
    response = api("rep1").generic(
        "POST",
        URL,
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert Attachment.objects.count() == 0


def test_list_needs_exactly_one_record(api, world, media):
    client = api("rep1")
    assert_error(client.get(URL), 400, "account")
    assert_error(
        client.get(URL, {"account": world["account"].pk, "contact": world["contact"].pk}), 400, "contact"
    )
    assert_error(client.get(URL, {"account": "x'--"}), 400, "account")
    assert_error(client.get(URL, {"account": world["account"].pk, "cursor": "garbage"}), 400, "cursor")
    assert_error(client.get(URL, {"account": world["account"].pk, "limit": "0"}), 400, "limit")
    assert_error(client.get(URL, {"account": world["account"].pk, "deleted": "maybe"}), 400, "deleted")


# --- the permission matrix ------------------------------------------------------------------------

PERSONAS = ("admin", "director", "manager1", "rep1", "rep2", "rep3", "agent1", "marketer1", "inactive", None)
# rep1's records: who may read them (list, get, download), who may upload (update rights, or
# the follow-up's owner) and who may delete someone else's attachment (update rights).
READ = {"admin", "director", "manager1", "rep1", "agent1", "marketer1"}
UPLOAD = {"admin", "director", "manager1", "rep1", "agent1"}


def expected(persona, allowed: set[str], ok: int) -> int:
    if persona in (None, "inactive"):
        return 401
    if persona not in READ:
        return 404
    return ok if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("parent", ["account", "contact", "activity"])
def test_matrix_upload(api, world, media, persona, parent):
    before = state(media)
    response = post_file(api(persona), PDF, "a.pdf", **{parent: str(world[parent].pk)})
    status = expected(persona, UPLOAD, 201)
    assert response.status_code == status, response.content
    if status != 201:
        assert_error(response, status)
        assert state(media) == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", ["list", "get", "download", "delete", "restore"])
def test_matrix_targeted(api, world, media, persona, operation):
    rep1 = api("rep1")
    att = post_file(rep1, PDF, "a.pdf", account=str(world["account"].pk)).json()["id"]
    if operation == "restore":
        assert rep1.delete(f"{URL}/{att}").status_code == 204
    client = api(persona)
    before = state(media)
    response = {
        "list": lambda: client.get(URL, {"account": world["account"].pk}),
        "get": lambda: client.get(f"{URL}/{att}"),
        "download": lambda: client.get(f"{URL}/{att}/download"),
        "delete": lambda: client.delete(f"{URL}/{att}"),
        "restore": lambda: client.post(f"{URL}/{att}/restore"),
    }[operation]()
    if operation in ("list", "get", "download"):
        status = expected(persona, READ, 200)
    elif operation == "delete":
        status = expected(persona, UPLOAD, 204)
    else:  # the recycle bin is visible only to who may restore: others get 404, not 403
        status = expected(persona, UPLOAD, 200)
        if status == 403:
            status = 404
    assert response.status_code == status, response.content
    if status >= 400:
        assert_error(response, status)
        assert state(media) == before


def test_uploader_may_delete_own_file_without_update_rights(api, org, world, media):
    """marketer1 reads everything but updates only its own: on its own follow-up about rep1's
    account it may upload and delete its file; rep1, who may read but not update that follow-up,
    may not delete it."""
    activity = Activity.objects.create(kind="visit", owner=org["marketer1"], account=world["account"])
    marketer = api("marketer1")
    created = post_file(marketer, PDF, "a.pdf", activity=str(activity.pk))
    assert created.status_code == 201
    att = created.json()["id"]
    assert api("rep1").get(f"{URL}/{att}/download").status_code == 200
    before = state(media)
    assert_error(api("rep1").delete(f"{URL}/{att}"), 403)
    assert state(media) == before
    assert marketer.delete(f"{URL}/{att}").status_code == 204


def test_attachments_of_a_binned_record_are_invisible(api, org, world, media):
    from guanxi.customers.directory import services

    client = api("rep1")
    att = post_file(client, PDF, "a.pdf", account=str(world["account"].pk)).json()["id"]
    services.account_delete(actor=org["rep1"], account=world["account"], version=world["account"].version)
    assert_error(client.get(f"{URL}/{att}/download"), 404)
    assert_error(client.get(URL, {"account": world["account"].pk}), 404)
    assert_error(post_file(client, JPEG, "b.jpg", account=str(world["account"].pk)), 404)


def test_shared_read_write_collaborator_may_upload(api, org, world, media):
    from guanxi.records import sharing

    assert_error(post_file(api("rep2"), PDF, "a.pdf", account=str(world["account"].pk)), 404)
    sharing.collaborator_set(actor=org["rep1"], obj=world["account"], user=org["rep2"], access="read")
    assert_error(post_file(api("rep2"), PDF, "a.pdf", account=str(world["account"].pk)), 403)
    sharing.collaborator_set(actor=org["rep1"], obj=world["account"], user=org["rep2"], access="write")
    assert post_file(api("rep2"), PDF, "a.pdf", account=str(world["account"].pk)).status_code == 201


# --- the size limit while the body arrives ------------------------------------------------------


def test_limited_upload_handler_drops_the_part_and_marks_the_request(rf, settings):
    from django.test.client import MULTIPART_CONTENT, encode_multipart

    from guanxi.engagement.files import uploads

    settings.ATTACHMENT_MAX_BYTES = 1000
    body = encode_multipart("BoUnDaRy", {"account": "7", "file": upload(b"a" * 5000, "big.txt")})
    request = rf.post("/x", data=body, content_type=MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", "BoUnDaRy"))
    uploads.install_limits(request)
    assert "file" not in request.FILES and request.POST["account"] == "7"
    assert request.gx_upload_too_large is True
    small = rf.post(
        "/x",
        data=encode_multipart("BoUnDaRy", {"file": upload(b"a" * 1000, "ok.txt")}),
        content_type=MULTIPART_CONTENT.replace("BoUnDaRyStRiNg", "BoUnDaRy"),
    )
    uploads.install_limits(small)
    assert small.FILES["file"].read() == b"a" * 1000 and not hasattr(small, "gx_upload_too_large")


def test_api_installs_the_limit_before_the_body_is_parsed(api, world, media, settings, monkeypatch):
    from guanxi.engagement.files import uploads

    seen = []
    original = uploads.LimitedUploadHandler.receive_data_chunk
    monkeypatch.setattr(
        uploads.LimitedUploadHandler,
        "receive_data_chunk",
        lambda self, raw, start: seen.append(len(raw)) or original(self, raw, start),
    )
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = post_file(api("rep1"), b"a" * 5000, "big.txt", account=str(world["account"].pk))
    assert_error(response, 413, "file")
    assert seen, "the handler never saw the file part"
