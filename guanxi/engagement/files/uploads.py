"""Receiving uploads and sending files back: the HTTP side shared by the UI view and the API.

Size: Django streams file parts to memory (up to FILE_UPLOAD_MAX_MEMORY_SIZE) or to a temporary
file, whatever their size; DATA_UPLOAD_MAX_MEMORY_SIZE does not count them. So a request whose
Content-Length is far over ATTACHMENT_MAX_BYTES is answered 413 before its body is read, and
`LimitedUploadHandler` stops keeping a file part once it passes the limit (the rest of the
part is read and dropped), marking the request; the view then answers 413 naming `file`.
Handlers must be installed before anything reads request.POST/FILES: the API installs them in
a decorator around the ninja operation, the UI view before CSRF checking (see views.py).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any
from urllib.parse import quote

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from guanxi.core.api import error_response
from guanxi.core.errors import NotFound, ValidationFailed

from .sniff import max_bytes, too_large_error

FORM_OVERHEAD = 64 * 1024  # multipart boundaries, headers and the small form fields
PARENT_FIELDS = ("account", "contact", "activity")


class LimitedUploadHandler(FileUploadHandler):
    """Drops a file part as soon as it passes ATTACHMENT_MAX_BYTES (see the module docstring)."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else max_bytes()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.gx_upload_too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def content_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def too_large_for_limit(request) -> bool:
    return content_length(request) > max_bytes() + FORM_OVERHEAD


def install_limits(request) -> None:
    """Before request.POST/FILES are read. Harmless when they already were (the service still
    checks the size of what arrived)."""
    try:
        request.upload_handlers.insert(0, LimitedUploadHandler(request))
    except AttributeError:  # "You cannot set the upload handlers after the upload has been processed."
        pass


def api_upload_limits(run):
    """For ninja's decorate_view: the upload endpoint's size limit and multipart errors in the
    API's error shape (ninja would let Django answer them with an HTML page)."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        if too_large_for_limit(request):
            exc = too_large_error()
            return error_response(exc.status, exc.code, exc.message, exc.fields)
        install_limits(request)
        try:
            return run(request, *args, **kwargs)
        except RequestDataTooBig:
            return error_response(413, "too_large", _("The request body is too large."))
        except (MultiPartParserError, TooManyFilesSent, TooManyFieldsSent):
            message = _("Send the file as multipart/form-data.")
            return error_response(400, "validation_error", message, {"file": [message]})

    return wrapper


def check_form(request) -> None:
    """The upload form's fields only: one `file` part, at most one of each parent field."""
    if getattr(request, "gx_upload_too_large", False):
        raise too_large_error()
    fields: dict[str, list[str]] = {}
    for key in request.POST:
        if key not in PARENT_FIELDS and key != "csrfmiddlewaretoken":
            fields[key[:100] or "non_field"] = [_("Unknown field; it cannot be set here.")]
        elif len(request.POST.getlist(key)) > 1:
            fields[key] = [_("Give this field once.")]
    for key in request.FILES:
        if key != "file":
            fields[key[:100] or "non_field"] = [_("Unknown field; it cannot be set here.")]
    if len(request.FILES.getlist("file")) > 1:
        fields["file"] = [_("Send one file at a time.")]
    elif "file" not in request.FILES:
        fields["file"] = [_("Choose a file to upload.")]
    if fields:
        raise ValidationFailed(fields=fields)


def fingerprint(request) -> str:
    """What stands for a multipart body in Idempotency-Key checks: the form fields and the
    files' names and contents, hashed streaming."""
    digest = hashlib.sha256()
    for key in sorted(request.POST):
        for value in request.POST.getlist(key):
            digest.update(f"{key}={value}\n".encode("utf-8", "surrogatepass"))
    for key in sorted(request.FILES):
        for upload in request.FILES.getlist(key):
            digest.update(f"{key}:{upload.name}:{upload.size}\n".encode("utf-8", "surrogatepass"))
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    if getattr(request, "gx_upload_too_large", False):
        digest.update(b"too-large")
    return digest.hexdigest()


def content_disposition(name: str) -> str:
    """attachment; an ASCII fallback and the UTF-8 name (RFC 6266 / 5987): 报价单.pdf works."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;%' else "_" for c in name) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(attachment) -> HttpResponse:
    """The stored file streamed from storage, never rendered by the browser."""
    try:
        handle = default_storage.open(attachment.file.name, "rb")
    except (FileNotFoundError, OSError, ValueError):
        raise NotFound() from None
    response: Any = FileResponse(handle, content_type=attachment.content_type)  # a streaming response
    response["Content-Disposition"] = content_disposition(attachment.name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["ETag"] = f'"{attachment.sha256}"'
    return response
