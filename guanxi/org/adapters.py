from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Users are created by administrators; there is no public sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False
