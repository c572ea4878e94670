"""Collaborators widen the access layer per record: read-only or read-write."""

import json

from guanxi.customers.directory import selectors
from guanxi.customers.models import Account
from tests.factories import AccountFactory


def test_read_share_lets_a_colleague_read_and_find_but_not_edit(api, org):
    account = AccountFactory(owner=org["rep1"], name="共享测试有限公司")
    owner, other = api("rep1"), api("rep3")
    assert other.get(f"/api/v1/accounts/{account.pk}").status_code == 404
    r = owner.post(
        f"/api/v1/accounts/{account.pk}/collaborators",
        json.dumps({"user": "rep3", "access": "read"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json() == [{"user": "rep3", "access": "read"}]
    assert other.get(f"/api/v1/accounts/{account.pk}").status_code == 200
    assert account.pk in [a["id"] for a in other.get("/api/v1/accounts?q=gongxiang").json()["items"]]
    r = other.patch(
        f"/api/v1/accounts/{account.pk}",
        json.dumps({"name": "改名"}),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{account.version}"',
    )
    assert r.status_code == 403
    assert Account.objects.get(pk=account.pk).name == "共享测试有限公司"
    assert (
        other.delete(f"/api/v1/accounts/{account.pk}", HTTP_IF_MATCH=f'"{account.version}"').status_code
        == 403
    )


def test_write_share_allows_updates_and_unsharing_revokes(api, org):
    account = AccountFactory(owner=org["rep1"], name="协作测试有限公司")
    owner, other = api("rep1"), api("rep3")
    owner.post(
        f"/api/v1/accounts/{account.pk}/collaborators",
        json.dumps({"user": "rep3", "access": "write"}),
        content_type="application/json",
    )
    r = other.patch(
        f"/api/v1/accounts/{account.pk}",
        json.dumps({"tier": "A"}),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{account.version}"',
    )
    assert r.status_code == 200 and r.json()["tier"] == "A"
    # a collaborator may not share further without update rights? they have them (write); the owner revokes:
    assert owner.delete(f"/api/v1/accounts/{account.pk}/collaborators/rep3").json() == []
    assert other.get(f"/api/v1/accounts/{account.pk}").status_code == 404


def test_only_those_who_may_update_can_share(api, org):
    account = AccountFactory(owner=org["rep1"], name="无权共享有限公司")
    r = api("rep2").post(
        f"/api/v1/accounts/{account.pk}/collaborators",
        json.dumps({"user": "rep2", "access": "read"}),
        content_type="application/json",
    )
    assert r.status_code == 404  # rep2 cannot even see it
    r = api("rep1").post(
        f"/api/v1/accounts/{account.pk}/collaborators",
        json.dumps({"user": "ghost", "access": "read"}),
        content_type="application/json",
    )
    assert r.status_code == 400 and "user" in r.json()["error"]["fields"]
    r = api("rep1").post(
        f"/api/v1/accounts/{account.pk}/collaborators",
        json.dumps({"user": "rep2", "access": "all"}),
        content_type="application/json",
    )
    assert r.status_code == 400 and "access" in r.json()["error"]["fields"]


def test_sharing_from_the_detail_page(web, org):
    account = AccountFactory(owner=org["rep1"], name="页面共享有限公司")
    client = web("rep1")
    assert "Collaborators" in client.get(f"/customers/accounts/{account.pk}/").content.decode()
    client.post(f"/customers/account/{account.pk}/share/", {"user": "rep2", "access": "read"})
    assert account.pk in {a.pk for a in selectors.account_list(org["rep2"], selectors.ListParams()).items}
    assert web("rep2").get(f"/customers/accounts/{account.pk}/edit/").status_code == 403
    client.post(f"/customers/account/{account.pk}/share/", {"user": "rep2", "access": ""})
    assert web("rep2").get(f"/customers/accounts/{account.pk}/").status_code == 404
