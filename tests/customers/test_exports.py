"""Exports to CSV and XLSX (records/exports.py, customers/exports.py): scope, filters, formulas, jobs and downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from guanxi.core.models import ExportJob
from guanxi.custom_fields.models import CustomFieldDef
from guanxi.customers.directory import services
from guanxi.customers.models import Account
from guanxi.engagement.models import Notification
from guanxi.records import background, export_jobs, exports
from tests.helpers import assert_error, post_json, snapshot

# The API operations whose permission matrix is in this module (tests/test_api_matrix_coverage.py).
MATRIX_OPERATIONS = {
    "account_export_job_create",
    "contact_export_job_create",
    "export_job_get",
    "export_job_download",
}

ACCOUNTS, CONTACTS = "/api/v1/accounts", "/api/v1/contacts"
FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x")', "-2+3", "=cmd|' /C calc'!A0"]


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


@pytest.fixture
def inline_jobs(monkeypatch):
    """Run an export job at commit, in this thread (the test database is not visible to others)."""
    ran = []
    monkeypatch.setattr(
        background, "_in_thread", lambda job_id: ran.append(background.run_export_job(job_id))
    )
    return ran


def account(owner, name, **data) -> Account:
    return services.account_create(actor=owner, data={"name": name, **data})


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_rows(content: bytes) -> tuple[list, list[list]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- what is exported -------------------------------------------------------------------------


def test_csv_and_xlsx_hold_the_same_rows_of_the_export_scope(org, api):
    account(org["rep1"], "东区甲", industry="it")
    account(org["rep2"], "东区乙", industry="it")
    account(org["rep3"], "南区丙", industry="it")
    account(org["rep1"], "东区丁", industry="finance")
    rows = csv_rows(api("manager1").get(f"{ACCOUNTS}/export", {"industry": "it"}))
    assert sorted(r["name"] for r in rows) == ["东区乙", "东区甲"]
    response = api("manager1").get(f"{ACCOUNTS}/export", {"industry": "it", "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, data = xlsx_rows(body(response))
    assert header[:3] == ["id", "name", "uscc"] and {"health", "lifecycle_stage", "owner"} <= set(header)
    assert sorted(r[1] for r in data) == ["东区乙", "东区甲"]
    assert {r[header.index("owner")] for r in data} == {"rep1", "rep2"}
    assert all(isinstance(r[0], int) for r in data)  # ids are numbers, not text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formulas_are_neutralized(org, api, fmt):
    for f in FORMULAS:
        account(org["rep1"], f, address=f, tags=[f])
        services.contact_create(actor=org["rep1"], data={"name": f, "title": f})
    for path in (ACCOUNTS, CONTACTS):
        response = api("director").get(f"{path}/export", {"format": fmt})
        if fmt == "csv":
            rows = [list(r.values()) for r in csv_rows(response)]
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # no formula cell
            rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
        names = sorted(r[1] for r in rows)
        assert names == sorted("'" + f for f in FORMULAS)
        for row in rows:
            for value in row:
                assert not (isinstance(value, str) and value.startswith(exports.FORMULA_PREFIXES)), value


SPLIT_FORMULAS = ["x;=1+1;", "a,=HYPERLINK(1)", "a|-2+3", "a; +1", "a,\t@SUM(A1)"]


def test_a_formula_after_a_separator_is_neutralized_and_every_csv_field_quoted(org, api):
    """A spreadsheet that splits lines on ";" (Excel in many locales) or ignores quotes would
    otherwise read "x;=1+1;" as the cells x, =1+1 and nothing."""
    for name in SPLIT_FORMULAS:
        account(org["rep1"], name, address=name)
    response = api("director").get(f"{ACCOUNTS}/export")
    text = body(response).decode("utf-8-sig")
    assert "x;'=1+1;" in text and "a; '+1" in text
    for line in text.splitlines():
        assert line.startswith('"') and line.endswith('"'), line  # QUOTE_ALL
        for separator in (",", ";", "\t", "|"):
            for cell in line.split(separator):
                assert not cell.strip(' "').startswith(("=", "+", "-", "@")), (separator, line)
    rows = csv_rows(api("director").get(f"{ACCOUNTS}/export"))
    stored = Account.objects.values_list("name", flat=True)  # as cleaned: the tab became a space
    assert sorted(r["name"] for r in rows) == sorted(exports.neutralize(n) for n in stored)
    header, data = xlsx_rows(body(api("director").get(f"{ACCOUNTS}/export", {"format": "xlsx"})))
    assert sorted(r[1] for r in data) == sorted(r["name"] for r in rows)  # the same cells in XLSX
    assert exports.neutralize("note\n=1+1\r\n@x") == "note\n'=1+1\r\n'@x"  # a line break splits too


def test_every_list_filter_passes_through_and_unknown_ones_are_refused(org, api):
    account(org["rep1"], "甲", tier="A")
    account(org["rep1"], "乙", tier="B")
    Account.objects.filter(name="乙").update(health="dormant")
    assert [
        r["name"] for r in csv_rows(api("director").get(f"{ACCOUNTS}/export", {"health": "dormant"}))
    ] == ["乙"]
    assert [
        r["name"] for r in csv_rows(api("director").get(f"{ACCOUNTS}/export", {"tier": "A", "q": "甲"}))
    ] == ["甲"]
    assert_error(api("director").get(f"{ACCOUNTS}/export", {"nonsense": "1"}), 400, "nonsense")
    assert_error(api("director").get(f"{ACCOUNTS}/export", {"tier": "Z", "format": "xlsx"}), 400, "tier")
    assert_error(api("director").get(f"{ACCOUNTS}/export", {"format": "pdf"}), 400, "format")


@pytest.mark.parametrize("persona", ["rep1", "rep2", "rep3", "agent1"])
@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_without_export_right_403(org, api, persona, path, fmt):
    account(org["rep1"], "甲")
    before = snapshot()
    assert_error(api(persona).get(f"{path}/export", {"format": fmt}), 403)
    assert_error(post_json(api(persona), f"{path}/export-jobs", {"format": fmt}), 403)
    assert snapshot() == before and not ExportJob.objects.exists()


def test_contact_export_hides_accounts_the_reader_cannot_see(org, api):
    theirs = account(org["rep3"], "南区公司")
    services.contact_create(actor=org["rep1"], data={"name": "李雷", "account": None})
    c = services.contact_create(actor=org["rep3"], data={"name": "韩梅梅", "account": theirs.pk})
    services.contact_transfer(actor=org["rep3"], contact=c, owner="rep1")
    header, data = xlsx_rows(body(api("manager1").get(f"{CONTACTS}/export", {"format": "xlsx"})))
    row = next(r for r in data if r[1] == "韩梅梅")
    assert row[header.index("account")] is None
    header, data = xlsx_rows(body(api("director").get(f"{CONTACTS}/export", {"format": "xlsx"})))
    assert next(r for r in data if r[1] == "韩梅梅")[header.index("account")] == theirs.pk


def test_custom_field_columns(org, api):
    CustomFieldDef.objects.create(object_type="account", key="region", label_en="Region", type="text")
    CustomFieldDef.objects.create(object_type="account", key="old", label_en="Old", type="text", active=False)
    a = account(org["rep1"], "甲")
    Account.objects.filter(pk=a.pk).update(custom_fields={"region": "=华东", "old": "x"})
    rows = csv_rows(api("director").get(f"{ACCOUNTS}/export"))
    assert rows[0]["cf_region"] == "'=华东" and "cf_old" not in rows[0]


def test_export_reads_in_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    for i in range(30):
        services.contact_create(actor=org["rep1"], data={"name": f"联系人{i}"})
    export = exports.build(org["director"], "contact")
    with django_assert_max_num_queries(4):
        rows = list(exports.export_rows(export))
    assert len(rows) == 31


# --- UI and jobs ------------------------------------------------------------------------------


def test_ui_export_small_list_downloads_at_once(org, web):
    account(org["rep1"], "甲", tier="A")
    account(org["rep1"], "乙", tier="B")
    response = web("director").get(
        "/customers/accounts/export/", {"format": "xlsx", "tier": "A", "cols": "tier"}
    )
    assert response.status_code == 200
    _header, data = xlsx_rows(body(response))
    assert [r[1] for r in data] == ["甲"]
    assert csv_rows(web("director").get("/customers/accounts/export.csv"))  # the old address still works
    page = web("director").get("/customers/accounts/", {"tier": "A"}).content.decode()
    assert "/customers/accounts/export/?tier=A&amp;format=xlsx" in page


def test_ui_export_without_right_goes_back_to_the_list(org, web):
    response = web("rep1").get("/customers/accounts/export/", {"format": "xlsx"})
    assert response.status_code == 302 and response["Location"] == "/customers/accounts/"
    assert 'data-testid="export-menu"' not in web("rep1").get("/customers/accounts/").content.decode()
    assert 'data-testid="export-menu"' in web("marketer1").get("/customers/contacts/").content.decode()


def test_ui_large_export_runs_as_a_job_with_progress_and_download(
    org, web, settings, inline_jobs, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    for i in range(3):
        account(org["rep1"], f"公司{i}")
    with django_capture_on_commit_callbacks(execute=True):
        response = web("director").get("/customers/accounts/export/", {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert inline_jobs == ["done: 3 rows"]
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.percent, job.user) == ("done", 3, 100, org["director"])
    page = web("director").get(f"/exports/{job.pk}/").content.decode()
    assert f"/exports/{job.pk}/download/" in page and 'hx-trigger="every 1s"' not in page
    download = web("director").get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    _header, data = xlsx_rows(body(download))
    assert sorted(r[1] for r in data) == ["公司0", "公司1", "公司2"]
    note = Notification.objects.get(user=org["director"])
    assert (note.kind, note.url) == ("export_ready", f"/exports/{job.pk}/")
    for other in ("manager1", "marketer1", "rep1"):
        assert web(other).get(f"/exports/{job.pk}/").status_code == 404
        assert web(other).get(f"/exports/{job.pk}/download/").status_code == 404


def test_progress_fragment_polls_while_running(org, web):
    job = ExportJob.objects.create(
        user=org["director"],
        object_type="account",
        format="csv",
        total=10000,
        done_rows=2000,
        status="running",
    )
    fragment = web("director").get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert (
        'hx-trigger="every 1s"' in fragment
        and 'data-gx-progress="20"' in fragment
        and "<html" not in fragment
    )
    assert "style=" not in fragment


def test_embedded_mode_runs_jobs_in_a_thread(org, monkeypatch, settings):
    started = []

    class FakeThread:
        def __init__(self, target, name, daemon):
            started.append((name, daemon))

        def start(self):
            started.append("started")

    monkeypatch.setattr(background.threading, "Thread", FakeThread)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    background.start_export(41)
    assert started == [("export-41", True), "started"]


def test_a_job_runs_once_and_as_its_user_now(org, inline_jobs, django_capture_on_commit_callbacks):
    account(org["rep1"], "甲")
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_create(actor=org["marketer1"], object_type="account", fmt="csv")
    assert inline_jobs == ["done: 1 rows"] and exports.run_export(job.pk) == "not pending"
    # the user lost the export right before the job ran: failed, no file
    from guanxi.org.models import Grant

    job = export_jobs.export_job_create(actor=org["marketer1"], object_type="account", fmt="csv")
    Grant.objects.filter(role__users=org["marketer1"], action="export").delete()
    from guanxi.policies import access

    access.reset(org["marketer1"])
    assert exports.run_export(job.pk).startswith("failed")
    job.refresh_from_db()
    assert job.status == "failed" and not job.file


def test_purge_job_deletes_old_exports_and_files(org, inline_jobs, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from guanxi.core.jobs import run_job

    account(org["rep1"], "甲")
    with django_capture_on_commit_callbacks(execute=True):
        old = export_jobs.export_job_create(actor=org["director"], object_type="account", fmt="csv")
        new = export_jobs.export_job_create(actor=org["director"], object_type="account", fmt="xlsx")
    old.refresh_from_db()
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert default_storage.exists(old.file.name)
    result = run_job("purge-exports", as_of=timezone.localdate())
    assert "jobs=1" in result
    assert not default_storage.exists(old.file.name)
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [new.pk]


# --- the export-jobs API ----------------------------------------------------------------------


def test_api_export_job_lifecycle(org, api, inline_jobs, django_capture_on_commit_callbacks):
    account(org["rep1"], "甲", tier="A")
    account(org["rep2"], "乙", tier="B")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            api("manager1"), f"{ACCOUNTS}/export-jobs", {"format": "csv", "filters": {"tier": "A"}}
        )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "pending" and job["total"] == 1
    status = api("manager1").get(f"/api/v1/export-jobs/{job['id']}").json()
    assert (status["status"], status["percent"], status["download"]) == (
        "done",
        100,
        f"/api/v1/export-jobs/{job['id']}/download",
    )
    rows = list(
        csv.DictReader(io.StringIO(body(api("manager1").get(status["download"])).decode("utf-8-sig")))
    )
    assert [r["name"] for r in rows] == ["甲"]
    for other in ("director", "rep1", "admin"):
        assert_error(api(other).get(f"/api/v1/export-jobs/{job['id']}"), 404)
        assert_error(api(other).get(f"/api/v1/export-jobs/{job['id']}/download"), 404)
    assert_error(api(None).get(f"/api/v1/export-jobs/{job['id']}"), 401)


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"format": "pdf"}, "format"),
        ({"filters": {"tier": "Z"}}, "tier"),
        ({"filters": {"nope": "1"}}, "nope"),
        ({"filters": {"tier": 1}}, "filters"),
        ({"owner": "rep1"}, "owner"),
        ({"q": "a\u0000"}, "q"),
        ({"filters": {"owner": "x" * 300}}, "owner"),
    ],
)
def test_api_export_job_bad_input(org, api, payload, field):
    before = snapshot()
    assert_error(post_json(api("director"), f"{ACCOUNTS}/export-jobs", payload), 400, field)
    assert snapshot() == before and not ExportJob.objects.exists()


def test_api_job_not_ready_is_404(org, api):
    job = ExportJob.objects.create(user=org["director"], object_type="account", format="csv")
    assert_error(api("director").get(f"/api/v1/export-jobs/{job.pk}/download"), 404)
    assert api("director").get(f"/api/v1/export-jobs/{job.pk}").json()["status"] == "pending"
