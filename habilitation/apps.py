from django.apps import AppConfig


class HabilitationConfig(AppConfig):
    name = "habilitation"
    verbose_name = "Habilitation"
