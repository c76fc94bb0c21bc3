from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "profrost.people"
    label = "people"
