from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "guanxi.demo"
    label = "demo"
