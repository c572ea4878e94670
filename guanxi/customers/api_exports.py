"""POST /api/v1/{accounts|contacts}/export-jobs (the jobs themselves: records/api_exports.py)."""

from __future__ import annotations

from guanxi.core.api import IDEMPOTENCY_KEY, idempotent
from guanxi.records.api_exports import ExportJobIn, ExportJobOut, create

from .directory.api import ERRORS, accounts_router, contacts_router


@accounts_router.post(
    "/export-jobs",
    response={202: ExportJobOut, **ERRORS},
    operation_id="account_export_job_create",
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def account_export_job_create(request, payload: ExportJobIn):
    """Export the accounts the list's `filters` select, in the background; poll GET /api/v1/export-jobs/{id}."""
    return create(request, "account", payload)


@contacts_router.post(
    "/export-jobs",
    response={202: ExportJobOut, **ERRORS},
    operation_id="contact_export_job_create",
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def contact_export_job_create(request, payload: ExportJobIn):
    return create(request, "contact", payload)
