"""The standard endpoints of a kind of record, made once for every resource.

    record_routes(
        accounts_router, kind="account", out=AccountOut, page=AccountList,
        read=selectors.account_get, render=accounts_out, bin=selectors.account_list,
        update=(AccountPatch, services.account_update), delete=services.account_delete,
        restore=services.account_restore, transfer=(TransferIn, services.account_transfer),
        collaborators=True, history=True,
    )

adds, on the router, with operation ids named after the kind:

| operation | path | does |
|---|---|---|
| `<kind>_recycle_bin` | GET `/recycle-bin` | the actor's records in the bin, keyset pages |
| `<kind>_get` | GET `/{id}` | one visible record, `ETag: "<version>"` |
| `<kind>_update` | PATCH `/{id}` | `If-Match` required (428 without, 412 when stale) |
| `<kind>_delete` | DELETE `/{id}` | to the recycle bin, `If-Match` required |
| `<kind>_restore` | POST `/{id}/restore` | back from the bin, `If-Match` checked when sent |
| `<kind>_transfer` | POST `/{id}/transfer` | a new owner, `If-Match` checked when sent |
| `<kind>_collaborators`, `_share`, `_unshare` | `/{id}/collaborators[/{username}]` | sharing |
| `<kind>_history` | GET `/{id}/history` | the record's audit trail, newest first (naming only related records the actor may read) |

`read(actor, pk, *, deleted=False)` is the kind's selector: the record through the access layer,
NotFound (404) when absent or invisible. `render(actor, records)` builds the answers (one pass,
so related records are checked for visibility in bulk). Services are called with the actor, the
record under the kind's name (`param`), and `version` / `data` / the transfer body's fields.
Errors travel as ApplicationError and are rendered by core/api.py, so every resource answers the
same statuses for the same failures.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from ninja import Router, Schema
from ninja.responses import Status

from guanxi.audit.selectors import history_for
from guanxi.core.api import IF_MATCH, IF_MATCH_OPTIONAL, if_match, with_etag
from guanxi.core.lists import ListParams
from guanxi.core.pagination import Page
from guanxi.core.schemas import ERRORS, ErrorOut, Strict
from guanxi.core.types import ApiRequest

from . import sharing
from .history import visible_history


# Named apart from any resource's own collaborator schemas: the OpenAPI document needs unique names.
class ShareIn(Strict):
    user: str
    access: Literal["read", "write"]


class ShareOut(Schema):
    user: str
    access: Literal["read", "write"]


class HistoryEntry(Schema):
    at: str
    actor: str
    verb: str
    verb_label: str
    changes: dict[str, list[Any]]


def detail(body: dict[str, Any], status: int = 200) -> HttpResponse:
    """A record's JSON answer with its ETag (built once: no re-validation of a dict we made)."""
    response = JsonResponse(
        body, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )
    return with_etag(response, body["version"])


def _signature(func: Callable[..., Any], id_name: str, *extra: inspect.Parameter) -> Callable[..., Any]:
    """Give a generated endpoint the signature ninja documents: `request`, the record's id under
    its own name (`account_id`), then the body or query parameters."""
    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(id_name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=int),
        *extra,
    ]
    func.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return func


def _body(annotation: Any) -> inspect.Parameter:
    return inspect.Parameter("payload", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation)


def record_routes(
    router: Router,
    *,
    kind: str,
    out: type[Schema],
    read: Callable[..., Any],
    render: Callable[[Any, list[Any]], list[dict[str, Any]]],
    page: type[Schema] | None = None,
    bin: Callable[..., Page] | None = None,
    update: tuple[type[Schema], Callable[..., Any]] | None = None,
    delete: Callable[..., Any] | None = None,
    restore: Callable[..., Any] | None = None,
    transfer: tuple[type[Schema], Callable[..., Any]] | None = None,
    collaborators: bool = False,
    history: bool = False,
    param: str | None = None,
    id_name: str | None = None,
    versioned: bool = True,
) -> None:
    """Add the standard endpoints of `kind` to `router` (see the module's docstring). A kind whose
    records never change (`versioned=False`: attachments) answers without ETag, and its delete
    and restore read no `If-Match` (its services take no `version`)."""
    param = param or kind
    id_name = id_name or f"{kind}_id"
    must_match = IF_MATCH if versioned else None
    may_match = IF_MATCH_OPTIONAL if versioned else None

    def one(request: ApiRequest, obj: Any) -> HttpResponse:
        body = render(request.auth, [obj])[0]
        if not versioned:
            return JsonResponse(body, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})
        return detail(body)

    if bin is not None:
        assert page is not None, "a recycle bin answers pages"  # noqa: S101

        @router.get("/recycle-bin", response={200: page, **ERRORS}, operation_id=f"{kind}_recycle_bin")
        def recycle_bin(
            request: ApiRequest, cursor: str | None = None, limit: int | None = None
        ) -> dict[str, Any]:
            found = bin(request.auth, ListParams(cursor=cursor, limit=limit), deleted=True)
            return {"items": render(request.auth, found.items), "next_cursor": found.next_cursor}

        recycle_bin.__doc__ = f"The {kind} records in the recycle bin that the caller may restore."

    def get(request: ApiRequest, **kw: Any) -> HttpResponse:
        return one(request, read(request.auth, kw[id_name]))

    router.get("/{int:" + id_name + "}", response={200: out, **ERRORS}, operation_id=f"{kind}_get")(
        _signature(get, id_name)
    )

    if update is not None:
        schema, service = update

        def patch(request: ApiRequest, payload: Schema, **kw: Any) -> HttpResponse:
            obj = read(request.auth, kw[id_name])
            obj = service(
                actor=request.auth,
                **{param: obj},
                version=if_match(request),
                data=payload.model_dump(exclude_unset=True),
            )
            return one(request, obj)

        router.patch(
            "/{int:" + id_name + "}",
            response={200: out, **ERRORS},
            operation_id=f"{kind}_update",
            openapi_extra=IF_MATCH,
        )(_signature(patch, id_name, _body(schema)))

    if delete is not None:
        # two bodies, so that each reads only the headers its operation documents (test_openapi)
        def remove(request: ApiRequest, **kw: Any) -> Status[None]:
            obj = read(request.auth, kw[id_name])
            delete(actor=request.auth, **{param: obj}, version=if_match(request))
            return Status(204, None)

        def remove_unversioned(request: ApiRequest, **kw: Any) -> Status[None]:
            delete(actor=request.auth, **{param: read(request.auth, kw[id_name])})
            return Status(204, None)

        router.delete(
            "/{int:" + id_name + "}",
            response={204: None, 409: ErrorOut, **ERRORS},
            operation_id=f"{kind}_delete",
            openapi_extra=must_match,
        )(_signature(remove if versioned else remove_unversioned, id_name))

    if restore is not None:

        def back(request: ApiRequest, **kw: Any) -> HttpResponse:
            obj = read(request.auth, kw[id_name], deleted=True)
            return one(
                request,
                restore(actor=request.auth, **{param: obj}, version=if_match(request, required=False)),
            )

        def back_unversioned(request: ApiRequest, **kw: Any) -> HttpResponse:
            obj = read(request.auth, kw[id_name], deleted=True)
            return one(request, restore(actor=request.auth, **{param: obj}))

        router.post(
            "/{int:" + id_name + "}/restore",
            response={200: out, **ERRORS},
            operation_id=f"{kind}_restore",
            openapi_extra=may_match,
        )(_signature(back if versioned else back_unversioned, id_name))

    if transfer is not None:
        schema_t, service_t = transfer

        def hand_over(request: ApiRequest, payload: Schema, **kw: Any) -> HttpResponse:
            obj = read(request.auth, kw[id_name])
            obj = service_t(
                actor=request.auth,
                **{param: obj},
                version=if_match(request, required=False),
                **payload.model_dump(),
            )
            return one(request, obj)

        router.post(
            "/{int:" + id_name + "}/transfer",
            response={200: out, **ERRORS},
            operation_id=f"{kind}_transfer",
            openapi_extra=IF_MATCH_OPTIONAL,
        )(_signature(hand_over, id_name, _body(schema_t)))

    if collaborators:
        _collaborator_routes(router, kind, read, id_name)

    if history:

        def trail(request: ApiRequest, **kw: Any) -> list[dict[str, Any]]:
            obj = read(request.auth, kw[id_name])
            return [
                {
                    "at": e.at.isoformat(),
                    "actor": e.actor_label,
                    "verb": e.verb,
                    "verb_label": e.verb_label,
                    "changes": e.changes,
                }
                for e in visible_history(request.auth, type(obj), history_for(obj))
            ]

        router.get(
            "/{int:" + id_name + "}/history",
            response={200: list[HistoryEntry], **ERRORS},
            operation_id=f"{kind}_history",
        )(_signature(trail, id_name))


def _collaborator_routes(router: Router, kind: str, read: Callable[..., Any], id_name: str) -> None:
    def listing(obj: Any) -> list[dict[str, str]]:
        return [{"user": c.user.username, "access": c.access} for c in sharing.collaborators_of(obj)]

    def collaborators(request: ApiRequest, **kw: Any) -> list[dict[str, str]]:
        return listing(read(request.auth, kw[id_name]))

    def share(request: ApiRequest, payload: ShareIn, **kw: Any) -> list[dict[str, str]]:
        """Share with a user, read-only or read-write (needs update rights on the record)."""
        obj = read(request.auth, kw[id_name])
        sharing.collaborator_set(
            actor=request.auth, obj=obj, user=sharing.share_user(payload.user), access=payload.access
        )
        return listing(obj)

    def unshare(request: ApiRequest, username: str, **kw: Any) -> list[dict[str, str]]:
        obj = read(request.auth, kw[id_name])
        sharing.collaborator_set(actor=request.auth, obj=obj, user=sharing.share_user(username), access=None)
        return listing(obj)

    path = "/{int:" + id_name + "}/collaborators"
    answers = {200: list[ShareOut], **ERRORS}
    router.get(path, response=answers, operation_id=f"{kind}_collaborators")(
        _signature(collaborators, id_name)
    )
    router.post(path, response=answers, operation_id=f"{kind}_share")(
        _signature(share, id_name, _body(ShareIn))
    )
    username = inspect.Parameter("username", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str)
    router.delete(path + "/{username}", response=answers, operation_id=f"{kind}_unshare")(
        _signature(unshare, id_name, username)
    )
