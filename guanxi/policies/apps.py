from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "guanxi.policies"
    label = "policies"
