"""Lists of the API: {"items", "next_cursor"}, limits, keyset cursors under every allowed
ordering (with ties), tampered cursors, ordering and filter allow-lists.

The records are built once for the module (rolled back at its end): rep1 owns a small set with
repeated names and timestamps, rep2 a longer one for the page-size limits.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.customers.models import Account, Contact
from tests.helpers import assert_error, module_transaction, patch_json

ACCOUNTS = "/api/v1/accounts"
CONTACTS = "/api/v1/contacts"
ORDERINGS = ["name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"]
TIED_NAMES = [
    "同名公司",
    "同名公司",
    "同名公司",
    "Alpha",
    "alpha",
    "Beta",
    "同名公司",
    "乙公司",
    "甲公司",
    "Alpha",
    "Zeta",
]


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    from guanxi.customers.directory import services
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import ApiToken

    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            users = ensure_demo_org()
            rep1, rep2 = users["rep1"], users["rep2"]
            accounts = [services.account_create(actor=rep1, data={"name": n}) for n in TIED_NAMES]
            contacts = [services.contact_create(actor=rep1, data={"name": n}) for n in TIED_NAMES]
            moment = timezone.now().replace(microsecond=123456)
            later = moment + dt.timedelta(seconds=1)
            for model, rows in ((Account, accounts), (Contact, contacts)):
                # two groups of identical timestamps
                model._base_manager.filter(pk__in=[r.pk for r in rows[:5]]).update(
                    created_at=moment, updated_at=moment
                )
                model._base_manager.filter(pk__in=[r.pk for r in rows[5:9]]).update(
                    created_at=later, updated_at=later
                )
            # a deleted one, which lists must skip
            services.account_delete(
                actor=rep1,
                account=services.account_create(actor=rep1, data={"name": "同名公司"}),
                version=None,
            )
            many = [
                services.account_create(
                    actor=rep2,
                    data={
                        "name": f"分页{i:03d}",
                        "industry": "it" if i % 2 else "",
                        "tier": "A" if i < 3 else "B",
                    },
                )
                for i in range(55)
            ]
            services.contact_create(
                actor=rep2, data={"name": "有邮箱", "email": "a@example.com", "account": many[0].pk}
            )
            services.contact_create(actor=rep2, data={"name": "没邮箱", "mobile": "13800138000"})
            tokens = {name: ApiToken.issue(users[name])[1] for name in ("rep1", "rep2", "director")}
        yield {"users": users, "tokens": tokens, "many": [a.pk for a in many]}


@pytest.fixture
def client(data, db):
    def make(persona: str = "rep1") -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {data['tokens'][persona]}")

    return make


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None or isinstance(body["next_cursor"], str)
    return [item["id"] for item in body["items"]]


# --- limits -----------------------------------------------------------------------------------


def test_list_shape_default_limit_50_and_max_500(client):
    rep2 = client("rep2")
    first = rep2.get(ACCOUNTS).json()
    assert set(first) == {"items", "next_cursor"}
    assert len(first["items"]) == 50
    assert first["next_cursor"]
    second = rep2.get(ACCOUNTS, {"cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 5 and second["next_cursor"] is None
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert len(rep2.get(ACCOUNTS, {"limit": 500}).json()["items"]) == 55
    assert len(rep2.get(ACCOUNTS, {"limit": "55"}).json()["items"]) == 55
    one = rep2.get(ACCOUNTS, {"limit": 1}).json()
    assert len(one["items"]) == 1 and one["next_cursor"]


def test_last_full_page_has_no_next_cursor(client):
    body = client("rep2").get(ACCOUNTS, {"limit": 55}).json()
    assert len(body["items"]) == 55 and body["next_cursor"] is None


@pytest.mark.parametrize("limit", ["501", "0", "-1", "abc", "1e3", "1.5", "99999999999999999999", " "])
@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS, f"{ACCOUNTS}/recycle-bin", f"{CONTACTS}/recycle-bin"])
def test_limit_out_of_range_is_400_naming_limit(client, path, limit):
    assert_error(client().get(path, {"limit": limit}), 400, "limit")


# --- cursor walks -----------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize(
    ("path", "model"), [(ACCOUNTS, Account), (CONTACTS, Contact)], ids=["accounts", "contacts"]
)
def test_cursor_walk_has_no_duplicates_or_gaps(client, data, ordering, path, model):
    field = ordering.lstrip("-")
    sign = "-" if ordering.startswith("-") else ""
    expected = list(
        model.objects.filter(owner=data["users"]["rep1"], deleted_at__isnull=True)
        .order_by(f"{sign}{field}", f"{sign}id")
        .values_list("id", flat=True)
    )
    assert len(expected) == len(TIED_NAMES)
    rep1 = client("rep1")
    for limit in (1, 2, 3, 4, 11):
        seen, cursor = [], None
        for _page in range(len(expected) + 2):
            params = {"ordering": ordering, "limit": limit, **({"cursor": cursor} if cursor else {})}
            body = rep1.get(path, params).json()
            assert len(body["items"]) <= limit
            seen.extend(item["id"] for item in body["items"])
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert seen == expected, (limit, seen, expected)


def test_cursor_walk_in_recycle_bin(client, data):
    rep1 = client("rep1")
    ids = ids_of(rep1.get(f"{ACCOUNTS}/recycle-bin"))
    assert len(ids) == 1
    assert ids_of(rep1.get(f"{ACCOUNTS}/recycle-bin", {"limit": 1})) == ids


def test_default_ordering_is_most_recently_updated_first(client, data):
    rep2 = client("rep2")
    ids = ids_of(rep2.get(ACCOUNTS, {"limit": 500}))
    assert ids == sorted(data["many"], reverse=True)  # created one after another
    oldest = data["many"][0]
    assert (
        patch_json(rep2, f"{ACCOUNTS}/{oldest}", {"description": "刚改"}, HTTP_IF_MATCH='"1"').status_code
        == 200
    )
    assert ids_of(rep2.get(ACCOUNTS, {"limit": 1})) == [oldest]


# --- bad cursors ------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = {
    "garbage": "not a cursor!",
    "json-null": _b64(b"null"),
    "not-a-list": _b64(b'{"a": 1}'),
    "too-short": _b64(b'["name", 1]'),
    "too-long": _b64(b'["name", "x", 1, 2]'),
    "pk-not-int": _b64(b'["name", "x", "y"]'),
    "pk-bool": _b64(b'["name", "x", true]'),
    "pk-float": _b64(b'["name", "x", 1.5]'),
    "pk-negative": _b64(b'["name", "x", -1]'),
    "pk-huge": _b64(b'["name", "x", 99999999999999999999999]'),
    "bad-datetime": _b64(b'["created_at", {"dt": "yesterday"}, 1]'),
    "impossible-datetime": _b64(b'["created_at", {"dt": "2020-13-45T00:00:00+00:00"}, 1]'),
    "naive-datetime": _b64(b'["created_at", {"dt": "2020-01-01T00:00:00"}, 1]'),
    "null-value": _b64(b'["name", null, 1]'),
    "list-value": _b64(b'["name", [1, 2], 1]'),
    "object-value": _b64(b'["name", {"x": 1}, 1]'),
    "bad-utf8": _b64(b'["name", "\xff\xfe", 1]'),
    "nul": _b64(b'["name", "a\\u0000b", 1]'),
    "lone-surrogate": _b64(b'["name", "\\ud800", 1]'),
    "long": "A" * 10000,
    "sql": "' OR 1=1 --",
}


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("cursor", list(BAD_CURSORS.values()), ids=list(BAD_CURSORS))
def test_bad_cursor_is_400_naming_cursor(client, ordering, cursor):
    rep1 = client("rep1")
    for path in (ACCOUNTS, CONTACTS):
        assert_error(rep1.get(path, {"cursor": cursor, "ordering": ordering}), 400, "cursor")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("name", "created_at"),
        ("-created_at", "name"),
        ("updated_at", "-name"),
        ("name", "-name"),
        ("-updated_at", "updated_at"),
    ],
)
def test_cursor_from_another_ordering_is_400(client, source, target):
    rep1 = client("rep1")
    cursor = rep1.get(ACCOUNTS, {"ordering": source, "limit": 1}).json()["next_cursor"]
    assert cursor
    assert_error(rep1.get(ACCOUNTS, {"ordering": target, "cursor": cursor}), 400, "cursor")


def test_cursor_is_not_an_oracle_for_other_users_records(client):
    """A cursor only says where to start; it can never widen the scope."""
    rep2 = client("rep2")
    cursor = rep2.get(ACCOUNTS, {"ordering": "name", "limit": 1}).json()["next_cursor"]
    rep1_ids = ids_of(client("rep1").get(ACCOUNTS, {"ordering": "name", "cursor": cursor, "limit": 500}))
    assert all(Account.objects.get(pk=i).owner.username == "rep1" for i in rep1_ids)


# --- ordering and filters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "ordering",
    [
        "owner",
        "-owner__password",
        "id; DROP TABLE customers_account",
        "--name",
        "uscc",
        "?",
        "name,created_at",
        "deleted_at",
        "-",
        "pk",
        "Name",
        "name ",
        "名称",
        "name\x00",
    ],
)
@pytest.mark.parametrize("path", [ACCOUNTS, CONTACTS])
def test_unknown_ordering_is_400_naming_ordering(client, path, ordering):
    assert_error(client().get(path, {"ordering": ordering}), 400, "ordering")


def test_filters(client, data):
    rep2 = client("rep2")
    many = data["many"]
    it_ids = set(ids_of(rep2.get(ACCOUNTS, {"industry": "it", "limit": 500})))
    assert it_ids == {pk for i, pk in enumerate(many) if i % 2}
    assert set(ids_of(rep2.get(ACCOUNTS, {"tier": "A"}))) == set(many[:3])
    assert set(ids_of(rep2.get(ACCOUNTS, {"tier": "A", "industry": "it"}))) == {many[1]}
    with_email = ids_of(rep2.get(CONTACTS, {"has_email": "true"}))
    assert len(with_email) == 1
    assert ids_of(rep2.get(CONTACTS, {"account": many[0]})) == with_email
    assert len(ids_of(rep2.get(CONTACTS, {"has_mobile": "1"}))) == 1
    assert ids_of(rep2.get(ACCOUNTS, {"owner": "rep1"})) == []
    assert len(ids_of(client("director").get(ACCOUNTS, {"owner": "rep1", "limit": 500}))) == len(TIED_NAMES)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (ACCOUNTS, {"industry": "spaceflight"}, "industry"),
        (ACCOUNTS, {"tier": "Z"}, "tier"),
        (ACCOUNTS, {"tier": "' OR 1=1 --"}, "tier"),
        (ACCOUNTS, {"owner": "no-such-user"}, "owner"),
        (ACCOUNTS, {"owner": "rep1\x00"}, "owner"),
        (ACCOUNTS, {"owner": "x" * 5000}, "owner"),
        (CONTACTS, {"account": "abc"}, "account"),
        (CONTACTS, {"account": "1; DROP TABLE customers_contact"}, "account"),
        (CONTACTS, {"account": "99999999999999999999999"}, "account"),
        (CONTACTS, {"owner": "nobody"}, "owner"),
    ],
)
def test_bad_filter_values_are_400_naming_the_filter(client, path, params, field):
    assert_error(client().get(path, params), 400, field)
