import pytest

from tests.factories import AccountFactory


@pytest.mark.django_db
def test_rep_sees_own_account_not_colleagues(web, org):
    mine = AccountFactory(owner=org["rep1"], name="杭州西湖科技有限公司")
    theirs = AccountFactory(owner=org["rep2"], name="宁波东方贸易有限公司")
    client = web("rep1")
    assert client.get(f"/customers/accounts/{mine.pk}/").status_code == 200
    assert client.get(f"/customers/accounts/{theirs.pk}/").status_code == 404
