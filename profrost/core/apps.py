from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "profrost.core"
    label = "core"
