"""The export engine: a list of any kind of record to CSV and XLSX, and export jobs for large ones.

- Which kinds: every kind whose registry declaration has `export` (core.registry.Kind.export), a
  builder f(actor, *, q, filters) -> Export that the kind's app writes (e.g. customers/exports.py).
  It exports the list's records within the actor's *export* scope (access layer), with every
  filter the list accepts (list_filters() passes the query string through; the selectors refuse
  unknown keys), in id order, read with a server-side iterator in chunks of CHUNK rows, so memory
  stays flat however many rows there are.
- Cells that a spreadsheet would run as a formula (leading = + - @ tab CR) get a leading
  apostrophe, in CSV and XLSX alike, and so does a formula after any separator a spreadsheet
  may split a line on (, ; tab | and line breaks: Excel in many locales splits on ";" and some
  programs ignore quotes), so "x;=1+1;" is exported as "x;'=1+1;". Every CSV field is quoted.
  XLSX cells are written with write_string, so nothing becomes a formula, a number or a link
  by accident. XlsxWriter runs in constant_memory mode
  (each row is flushed to disk as it is written).
- Large exports (more than EXPORT_SYNC_MAX_ROWS in the UI, or on request through the API)
  run as an ExportJob in the background (records/background.py): the job counts done_rows every
  chunk for the progress bar, stores the file under exports/ in the default storage, and emits
  the event `export_ready` (the notifications' app tells the user). Only that user may see the
  job or download the file; purge_exports() deletes old ones (records/jobs.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core import registry
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.models import ExportJob
from guanxi.core.types import Actor

from . import events

log = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A separator a spreadsheet may split a CSV line on, blanks, then what would start a formula.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;|\t\r\n][ \t]*)(?=[=+\-@])")
FORMATS = ("csv", "xlsx")
CHUNK = 2000
# Query parameters of a list page that are not filters.
NOT_FILTERS = frozenset({"format", "q", "ordering", "cursor", "limit", "cols"})
KEEP_DAYS = 7  # settings.EXPORT_KEEP_DAYS overrides: export files are deleted after this many days
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralize(value: Any) -> str:
    """A cell that a spreadsheet would run as a formula gets a leading apostrophe, and so does
    each part after a separator that would start a formula if the line were split there."""
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", "" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def check_format(fmt: Any) -> str:
    if fmt not in FORMATS:
        raise ValidationFailed(
            fields={"format": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(FORMATS)}]}
        )
    return str(fmt)


def list_filters(query: Any) -> dict[str, str]:
    """The filters of a list request (a QueryDict or dict): every parameter but q, ordering,
    paging, columns and format. Unknown ones reach the selectors, which refuse them (400)."""
    return {k: query.get(k, "") for k in query if k not in NOT_FILTERS}


@dataclass
class Export:
    object_type: str
    header: list[str]
    queryset: QuerySet[Any]
    rows: Callable[[], Iterator[list[Any]]]  # data rows, no header
    name: str = ""  # of the file and the sheet (default: the kind's name + "s")

    @property
    def sheet(self) -> str:
        return self.name or f"{self.object_type}s"

    @property
    def filename(self) -> str:
        return f"{self.sheet}-{timezone.localdate():%Y%m%d}"


def iso(value: Any) -> str:
    return value.isoformat() if value else ""


def clean_params(q: Any, filters: Any) -> tuple[str, dict[str, str]]:
    if not isinstance(q, str) or "\x00" in q:
        raise ValidationFailed(fields={"q": [_("Enter text.")]})
    if not isinstance(filters, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in filters.items()
    ):
        raise ValidationFailed(fields={"filters": [_("Filters are names with text values.")]})
    for key, value in filters.items():
        if "\x00" in key or "\x00" in value or len(value) > 200:
            raise ValidationFailed(
                fields={key if "\x00" not in key else "filters": [_("This value is not valid.")]}
            )
    return q[:200], filters


def exportable() -> list[registry.Kind]:
    return [k for k in registry.kinds() if k.export is not None]


def build(actor: Actor, object_type: str, *, q: str = "", filters: dict[str, str] | None = None) -> Export:
    """The export of a kind's list, as its declared builder makes it; an undeclared kind is 404."""
    kind = registry.find(object_type)
    if kind is None or kind.export is None:
        raise NotFound()
    built: Export = kind.export(actor, q=q, filters=filters)
    return built


def count_up_to(export: Export, limit: int) -> int:
    """How many rows, counting no further than `limit` (a bounded count, cheap on big tables)."""
    return export.queryset[:limit].count()


# --- writers ------------------------------------------------------------------------------------


def _cells(row: list[Any]) -> list[Any]:
    return [neutralize(v) if isinstance(v, str) else v for v in row]


def write_csv(export: Export, fh: Any, progress: Callable[[int], None] | None = None) -> int:
    """UTF-8 with BOM (Excel opens Chinese correctly) into a binary file; returns the row count."""
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, quoting=csv.QUOTE_ALL)
    writer.writerow(export.header)
    n = 0
    for row in export.rows():
        writer.writerow(_cells(row))
        n += 1
        if progress and n % CHUNK == 0:
            progress(n)
    text.flush()
    text.detach()
    return n


def write_xlsx(export: Export, path: str, progress: Callable[[int], None] | None = None) -> int:
    """An XLSX file at `path`, row by row in constant memory; returns the row count."""
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    sheet = workbook.add_worksheet(export.sheet)
    bold = workbook.add_format({"bold": True})
    for col, name in enumerate(export.header):
        sheet.write_string(0, col, name, bold)
    n = 0
    for n, row in enumerate(export.rows(), start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_boolean(n, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(n, col, value)
            else:  # write_string: never a formula, a number or a link, whatever the text
                sheet.write_string(n, col, neutralize(value))
        if progress and n % CHUNK == 0:
            progress(n)
    workbook.close()
    return n


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(export: Export) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)

    def stream() -> Iterator[str]:
        yield "\ufeff"  # BOM: Excel opens UTF-8 Chinese correctly
        yield writer.writerow(export.header)
        for row in export.rows():
            yield writer.writerow(_cells(row))

    response = StreamingHttpResponse(stream(), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{export.filename}.csv"'
    return response


def xlsx_response(export: Export) -> FileResponse:
    """Written to a temporary file first (a zip is not streamable row by row), then sent from
    disk; the file is unlinked at once and disappears when the response closes it."""
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="gx-export-")
    os.close(fd)
    try:
        write_xlsx(export, path)
        fh = open(path, "rb")  # noqa: SIM115  (closed by FileResponse)
    finally:
        os.unlink(path)
    return FileResponse(
        fh, as_attachment=True, filename=f"{export.filename}.xlsx", content_type=CONTENT_TYPES["xlsx"]
    )


def response(export: Export, fmt: str) -> HttpResponseBase:
    check_format(fmt)
    return csv_response(export) if fmt == "csv" else xlsx_response(export)


def export_rows(export: Export) -> Iterable[list[Any]]:
    """Header and rows, as the spreadsheet shows them (for tests and callers of their own)."""
    yield export.header
    for row in export.rows():
        yield _cells(row)


# --- export jobs ----------------------------------------------------------------------------------


def export_job_get(actor: Actor, pk: Any) -> ExportJob:
    """A job of the actor's own; anyone else's is absent (404)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    job = (
        ExportJob.objects.filter(pk=pk, user_id=getattr(actor, "pk", None) or 0).first()
        if 0 < pk < 2**63
        else None
    )
    if job is None or not actor.is_active:
        raise NotFound()
    return job


def export_job_file(actor: Actor, pk: Any) -> tuple[Any, str]:
    """(open file, file name) of a finished job of the actor's own."""
    job = export_job_get(actor, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise NotFound(_("The export is not ready."))
    return default_storage.open(str(job.file.name), "rb"), job.file_name


def run_export(job_id: int) -> str:
    """Run a pending job (safe to run twice: only one run claims it). As the job's user, with
    their permissions of now: a user who lost the export right gets a failed job, no file."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING
    )
    if not claimed:
        return "not pending"
    job = ExportJob.objects.select_related("user").get(pk=job_id)

    def progress(n: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(done_rows=n)

    fd, path = tempfile.mkstemp(suffix=f".{job.format}", prefix="gx-export-")
    os.close(fd)
    try:
        with translation.override(job.user.language or None):
            export = build(
                job.user, job.object_type, q=job.params.get("q", ""), filters=job.params.get("filters") or {}
            )
            if job.format == "csv":
                with open(path, "wb") as out:
                    n = write_csv(export, out, progress)
            else:
                n = write_xlsx(export, path, progress)
            file_name = f"{export.filename}.{job.format}"
            with open(path, "rb") as fh:
                stored = default_storage.save(f"exports/{job.pk}-{uuid.uuid4().hex}/{file_name}", File(fh))
            ExportJob.objects.filter(pk=job_id).update(
                status=ExportJob.Status.DONE,
                done_rows=n,
                total=n,
                file=stored,
                file_name=file_name,
                finished_at=timezone.now(),
            )
            # The notifications' app tells the user (a handler in its registry.py), in the
            # user's language: the title and body are written here.
            events.emit(
                "export_ready",
                actor=job.user,
                object_type="export_job",
                object_id=job.pk,
                title=_("Your export is ready")[:200],
                body=_("%(file)s, %(rows)d rows.") % {"file": file_name, "rows": n},
                url=reverse("export_job_detail", args=[job.pk]),
            )
        return f"done: {n} rows"
    except Exception as exc:  # a failed export must show as failed, whatever went wrong
        log.exception("export job %s failed", job_id)
        message = str(getattr(exc, "message", "") or exc.__class__.__name__)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=message[:500], finished_at=timezone.now()
        )
        return f"failed: {message}"
    finally:
        os.unlink(path)


def purge_exports(*, older_than: dt.datetime) -> int:
    """Delete export jobs created before `older_than`, and their files (a job)."""
    count = 0
    while True:
        jobs = list(
            ExportJob.objects.filter(created_at__lt=older_than).order_by("id").values_list("id", "file")[:500]
        )
        if not jobs:
            return count
        for _pk, name in jobs:
            if name:
                try:
                    default_storage.delete(name)
                except OSError:
                    log.warning("could not delete export file %s", name)
        ExportJob.objects.filter(pk__in=[pk for pk, _name in jobs]).delete()
        count += len(jobs)


def keep_days() -> int:
    return int(getattr(settings, "EXPORT_KEEP_DAYS", KEEP_DAYS))
