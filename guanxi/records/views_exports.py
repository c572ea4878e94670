"""Export of a list from the UI (every kind whose registry declaration has `export`; its app's
urls route its list's export address here with the kind), and the export job pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from guanxi.core import registry
from guanxi.core.errors import ApplicationError, NotFound
from guanxi.core.htmx import is_htmx
from guanxi.core.models import ExportJob
from guanxi.core.types import UserRequest

from . import export_jobs, exports


def _list_url(kind: str) -> str:
    declared = registry.find(kind)
    return declared.list_url if declared and declared.list_url else "home"


@login_required
def export(request: UserRequest, kind: str) -> HttpResponseBase:
    """?format=csv|xlsx plus the list's query string. Up to EXPORT_SYNC_MAX_ROWS rows the file
    comes at once; more become a background job, and the browser goes to its progress page."""
    fmt = request.GET.get("format", "csv")
    try:
        job_or_export = _start(request, kind, fmt)
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
        return redirect(_list_url(kind))
    if isinstance(job_or_export, exports.Export):
        return exports.response(job_or_export, fmt)
    return redirect("export_job_detail", pk=job_or_export.pk)


def _start(request: UserRequest, kind: str, fmt: str) -> exports.Export | ExportJob:
    exports.check_format(fmt)
    q, filters = request.GET.get("q", "")[:200], exports.list_filters(request.GET)
    export = exports.build(request.user, kind, q=q, filters=filters)
    limit = settings.EXPORT_SYNC_MAX_ROWS
    if exports.count_up_to(export, limit + 1) <= limit:
        return export
    return export_jobs.export_job_create(actor=request.user, object_type=kind, fmt=fmt, q=q, filters=filters)


@login_required
def export_job_detail(request: UserRequest, pk: int) -> HttpResponse:
    """The progress page; htmx polls its #progress fragment every second until the job ends."""
    try:
        job = exports.export_job_get(request.user, pk)
    except NotFound:
        raise Http404() from None
    template = (
        "records/exports/job_detail.html#progress" if is_htmx(request) else "records/exports/job_detail.html"
    )
    declared = registry.find(job.object_type)
    return render(
        request,
        template,
        {
            "job": job,
            "list_url": _list_url(job.object_type),
            "kind_plural": declared.plural if declared else "",
        },
    )


@login_required
def export_job_download(request: UserRequest, pk: int) -> FileResponse:
    try:
        fh, name = exports.export_job_file(request.user, pk)
    except NotFound:
        raise Http404() from None
    content_type = exports.CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    return FileResponse(fh, as_attachment=True, filename=name, content_type=content_type)
