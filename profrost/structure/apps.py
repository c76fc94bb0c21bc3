from django.apps import AppConfig


class StructureConfig(AppConfig):
    name = "profrost.structure"
    label = "structure"
