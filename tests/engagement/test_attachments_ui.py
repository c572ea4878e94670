"""The attachments panel on the 360° pages, the UI upload/delete/restore/download views, the
follow-up partial, and the purge job (rows and stored files)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.engagement.files import services
from guanxi.engagement.files.selectors import prefetch_activity_attachments
from guanxi.engagement.models import Activity, Attachment
from tests.factories import AccountFactory, ContactFactory

from .test_attachments_sniff import HTML, PDF, png_bytes, stored_files, temp_media, upload

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def media(settings, tmp_path):
    return temp_media(settings, tmp_path)


@pytest.fixture
def account(org):
    return AccountFactory(owner=org["rep1"], name="界面附件有限公司")


def attach(user, data=PDF, name="报价单.pdf", **parent):
    return services.attachment_upload(actor=user, file=upload(data, name), **parent)[0]


def test_account_page_shows_the_panel_with_upload_for_who_may_update(web, org, account, media):
    attach(org["rep1"], account=account)
    page = web("rep1").get(reverse("account_detail", args=[account.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="gx-files-account-{account.pk}"' in html
    assert "报价单.pdf" in html and reverse("attachment_download", args=[Attachment.objects.get().pk]) in html
    assert "data-gx-upload" in html and 'hx-encoding="multipart/form-data"' in html
    assert "data-gx-upload-progress" in html
    assert "style=" not in html.split(f'id="gx-files-account-{account.pk}"')[1].split("</section>")[0]
    reader = web("marketer1").get(reverse("account_detail", args=[account.pk])).content.decode()
    assert "报价单.pdf" in reader and "data-gx-upload" not in reader  # reads all, may not update this one
    assert "bi-trash3" not in reader.split(f'id="gx-files-account-{account.pk}"')[1].split("</section>")[0]


def test_contact_page_has_the_panel(web, org, account, media):
    contact = ContactFactory(owner=org["rep1"], name="界面先生", account=account.pk)
    attach(org["rep1"], data=png_bytes(), name="名片.png", contact=contact)
    html = web("rep1").get(reverse("contact_detail", args=[contact.pk])).content.decode()
    assert f'id="gx-files-contact-{contact.pk}"' in html and "名片.png" in html


def test_panel_costs_a_fixed_number_of_queries(rf, org, account, media, django_assert_num_queries):
    from guanxi.engagement.files.panels import panel_context

    request = rf.get("/")
    request.user = org["rep1"]
    attach(org["rep1"], account=account)
    panel_context(request, account, "account")  # warms the per-request permission cache
    with django_assert_num_queries(1):
        one = panel_context(request, account, "account")
    for i in range(5):
        attach(org["rep1"], data=png_bytes(i + 2), name=f"{i}.png", account=account)
    with django_assert_num_queries(1):
        six = panel_context(request, account, "account")
    assert (len(one["items"]), len(six["items"])) == (1, 6)


def test_upload_with_htmx_answers_the_refreshed_panel(web, org, account, media):
    response = web("rep1").post(
        reverse("attachment_upload"), {"account": account.pk, "file": upload(PDF, "方案.pdf")}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "方案.pdf" in html and "“方案.pdf” uploaded." in html
    assert Attachment.objects.get().name == "方案.pdf" and len(stored_files(media)) == 1


def test_upload_without_htmx_goes_back_to_the_record(web, account, media):
    response = web("rep1").post(
        reverse("attachment_upload"), {"account": account.pk, "file": upload(PDF, "方案.pdf")}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "account_detail", args=[account.pk]
    )
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (HTML, "cat.png", "This type of file is not allowed."),
        (b"", "empty.pdf", "The file is empty."),
        (b"a" * 5000, "big.txt", "The file is larger than"),
    ],
)
def test_refused_upload_shows_the_reason_in_the_panel(web, account, media, settings, data, name, message):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = web("rep1").post(
        reverse("attachment_upload"), {"account": account.pk, "file": upload(data, name)}, **HTMX
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_far_oversize_ui_upload_is_413(web, account, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = web("rep1").post(
        reverse("attachment_upload"), {"account": account.pk, "file": upload(b"a" * 200_000, "b.txt")}
    )
    assert response.status_code == 413 and "The file is larger than" in response.content.decode()
    assert stored_files(media) == []


def test_upload_needs_csrf_and_login(org, account, media):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org["rep1"])
    assert (
        strict.post(reverse("attachment_upload"), {"account": account.pk, "file": upload(PDF)}).status_code
        == 403
    )
    anonymous = Client().post(reverse("attachment_upload"), {"account": account.pk, "file": upload(PDF)})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert Attachment.objects.count() == 0 and stored_files(media) == []


@pytest.mark.parametrize(("persona", "status"), [("rep2", 404), ("marketer1", 403), ("rep1", 302)])
def test_ui_upload_permissions(web, account, media, persona, status):
    response = web(persona).post(reverse("attachment_upload"), {"account": account.pk, "file": upload(PDF)})
    assert response.status_code == status
    assert Attachment.objects.count() == (1 if status == 302 else 0)


def test_ui_upload_needs_exactly_one_record(web, account, media):
    response = web("rep1").post(reverse("attachment_upload"), {"file": upload(PDF)})
    assert response.status_code == 400 and "exactly one" in response.content.decode()


def test_delete_and_undo(web, org, account, media):
    att = attach(org["rep1"], account=account)
    client = web("rep1")
    deleted = client.post(reverse("attachment_delete", args=[att.pk]), **HTMX)
    html = deleted.content.decode()
    assert deleted.status_code == 200 and "moved to the recycle bin" in html
    assert reverse("attachment_restore", args=[att.pk]) in html
    att.refresh_from_db()
    assert att.deleted_at is not None
    assert client.get(reverse("attachment_download", args=[att.pk])).status_code == 404
    restored = client.post(reverse("attachment_restore", args=[att.pk]), **HTMX)
    assert restored.status_code == 200 and "restored" in restored.content.decode()
    assert client.get(reverse("attachment_download", args=[att.pk])).status_code == 200


@pytest.mark.parametrize(("persona", "status"), [("rep2", 404), ("marketer1", 403), ("manager1", 302)])
def test_ui_delete_permissions(web, org, account, media, persona, status):
    att = attach(org["rep1"], account=account)
    assert web(persona).post(reverse("attachment_delete", args=[att.pk])).status_code == status
    att.refresh_from_db()
    assert (att.deleted_at is not None) == (status == 302)


def test_ui_download(web, org, account, media):
    att = attach(org["rep1"], account=account, name="合同 v2.pdf")
    response = web("rep1").get(reverse("attachment_download", args=[att.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Disposition"]
        == "attachment; filename=\"__ v2.pdf\"; filename*=UTF-8''%E5%90%88%E5%90%8C%20v2.pdf"
    )
    assert web("rep3").get(reverse("attachment_download", args=[att.pk])).status_code == 404


def test_follow_up_panel_and_partial(web, org, account, media):
    activity = Activity.objects.create(kind="visit", owner=org["rep1"], account=account)
    client = web("rep1")
    client.post(
        reverse("attachment_upload"), {"activity": activity.pk, "file": upload(PDF, "拜访照片.pdf")}, **HTMX
    )
    panel = client.get(reverse("attachment_panel"), {"activity": activity.pk})
    assert panel.status_code == 200 and "拜访照片.pdf" in panel.content.decode()
    assert f'name="activity" value="{activity.pk}"' in panel.content.decode()
    assert web("rep3").get(reverse("attachment_panel"), {"activity": activity.pk}).status_code == 404
    activities = list(
        Activity.objects.filter(pk=activity.pk).prefetch_related(prefetch_activity_attachments())
    )
    html = render_to_string("engagement/files/activity_attachments.html", {"activity": activities[0]})
    assert (
        "拜访照片.pdf" in html and reverse("attachment_download", args=[Attachment.objects.get().pk]) in html
    )


def test_purge_job_removes_rows_and_files(org, account, media, django_capture_on_commit_callbacks):
    from guanxi.core.jobs import run_job
    from guanxi.records import lifecycle

    old = attach(org["rep1"], account=account, name="old.pdf")
    recent = attach(org["rep1"], data=png_bytes(), name="recent.png", account=account)
    live = attach(org["rep1"], data=png_bytes(2), name="live.png", account=account)
    other = AccountFactory(owner=org["rep1"], name="回收站客户")
    on_binned = attach(org["rep1"], name="on-binned.pdf", account=other)
    services.attachment_delete(actor=org["rep1"], attachment=old)
    services.attachment_delete(actor=org["rep1"], attachment=recent)
    long_ago = timezone.now() - dt.timedelta(days=40)
    Attachment.objects.filter(pk=old.pk).update(deleted_at=long_ago)
    lifecycle.delete(actor=org["rep1"], obj=other, version=other.version)  # its files go with it
    Attachment._base_manager.filter(pk=on_binned.pk).update(deleted_at=long_ago)
    type(other)._base_manager.filter(pk=other.pk).update(deleted_at=long_ago)
    assert len(stored_files(media)) == 4
    with django_capture_on_commit_callbacks(execute=True):
        summary = run_job("purge-recycle-bin", as_of=timezone.localdate())
    assert "attachment=2" in summary and "account=1" in summary
    assert set(Attachment.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not Attachment.objects.filter(pk=on_binned.pk).exists()  # its record has been binned 40 days
    assert stored_files(media) == sorted([recent.file.name, live.file.name])
    with django_capture_on_commit_callbacks(execute=True):
        assert "purged nothing" in run_job("purge-recycle-bin", as_of=timezone.localdate())  # idempotent


def test_ui_installs_the_limit_before_csrf_reads_the_body(org, account, media, settings, monkeypatch):
    from guanxi.engagement.files import uploads

    seen = []
    original = uploads.LimitedUploadHandler.receive_data_chunk
    monkeypatch.setattr(
        uploads.LimitedUploadHandler,
        "receive_data_chunk",
        lambda self, raw, start: seen.append(len(raw)) or original(self, raw, start),
    )
    settings.ATTACHMENT_MAX_BYTES = 1000
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")  # the message is asserted in English
    client.force_login(org["rep1"])
    page = client.get(reverse("account_detail", args=[account.pk]))
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        reverse("attachment_upload"),
        {"csrfmiddlewaretoken": token, "account": account.pk, "file": upload(b"a" * 5000, "big.txt")},
        **HTMX,
    )
    assert response.status_code == 200 and "The file is larger than" in response.content.decode()
    assert seen and Attachment.objects.count() == 0
