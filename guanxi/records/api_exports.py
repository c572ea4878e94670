"""Export jobs of every exportable kind: GET /api/v1/export-jobs/{id}[/download] (mounted by
records/registry.py). Each kind's app adds POST /api/v1/<its list>/export-jobs with `create`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import FileResponse
from ninja import Router, Schema
from ninja.responses import Status

from guanxi.core.models import ExportJob
from guanxi.core.schemas import ERRORS, Strict, enum_of
from guanxi.core.types import ApiRequest

from . import export_jobs, exports

router = Router(tags=["exports"])


FormatChoice = Annotated[str, enum_of([(f, f) for f in exports.FORMATS], blank=False)]


class ExportJobIn(Strict):
    format: FormatChoice = "csv"
    q: str = ""
    filters: dict[str, str] = {}


class ExportJobOut(Schema):
    id: int
    object: str
    format: str
    status: str  # pending, running, done, failed
    percent: int
    total: int
    done_rows: int
    error: str
    download: str | None  # the file's URL once done
    created_at: dt.datetime
    finished_at: dt.datetime | None


def job_out(job: ExportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "object": job.object_type,
        "format": job.format,
        "status": job.status,
        "percent": job.percent,
        "total": job.total,
        "done_rows": job.done_rows,
        "error": job.error,
        "download": f"/api/v1/export-jobs/{job.pk}/download" if job.status == "done" else None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def create(request: ApiRequest, object_type: str, payload: ExportJobIn) -> Status[dict[str, Any]]:
    """The body of a kind's POST …/export-jobs: queue the job, answer 202 with it."""
    job = export_jobs.export_job_create(
        actor=request.auth, object_type=object_type, fmt=payload.format, q=payload.q, filters=payload.filters
    )
    return Status(202, job_out(job))


@router.get("/{int:job_id}", response={200: ExportJobOut, **ERRORS}, operation_id="export_job_get")
def export_job_get(request: ApiRequest, job_id: int) -> dict[str, Any]:
    """One of the caller's own export jobs (anyone else's: 404)."""
    return job_out(exports.export_job_get(request.auth, job_id))


@router.get("/{int:job_id}/download", response={200: None, **ERRORS}, operation_id="export_job_download")
def export_job_download(request: ApiRequest, job_id: int) -> FileResponse:
    fh, name = exports.export_job_file(request.auth, job_id)
    content_type = exports.CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    return FileResponse(fh, as_attachment=True, filename=name, content_type=content_type)
