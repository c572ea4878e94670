"""/api/v1/duplicates/check: likely duplicates of an account or contact being typed."""

from __future__ import annotations

from ninja import Router, Schema

from guanxi.core.schemas import ErrorOut

from . import selectors

router = Router(tags=["duplicates"])


class DuplicateOwnerOut(Schema):
    username: str
    display_name: str


class DuplicateOut(Schema):
    id: int | None  # only when the caller may see the record
    display_name: str  # masked (first character, then ***) when the caller may not see the record
    reason: str  # uscc, phone, email or name
    owner: DuplicateOwnerOut | None  # None: the record has no owner
    in_pool: bool  # no owner because it waits in a shared pool


class DuplicateList(Schema):
    matches: list[DuplicateOut]


@router.get(
    "/check",
    response={200: DuplicateList, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    operation_id="duplicate_check",
)
def duplicate_check(
    request,
    object: str,
    name: str = "",
    phone: str = "",
    email: str = "",
    uscc: str = "",
    mobile: str = "",
    exclude: int | None = None,
):
    """Likely duplicates among all live records: exact USCC (accounts), phone or mobile, email
    (contacts), the same or a similar name. A record the caller may not see comes without `id`
    and with its name masked (`上***`): the reason, and its owner or `in_pool`. Names shorter
    than 2 characters are not compared; phone, email and USCC that are not valid yet are
    ignored. `exclude`: the record being edited. At most DUPLICATE_CHECK_RATE_PER_MINUTE (30)
    and _PER_HOUR (600) checks per user: 429 beyond."""
    matches = selectors.check(
        request.auth,
        object,
        name=name,
        phone=phone,
        email=email,
        uscc=uscc,
        mobile=mobile,
        exclude_id=exclude,
    )
    return {"matches": [m.as_dict() for m in matches]}
