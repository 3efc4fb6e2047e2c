from django.apps import AppConfig


class AidantsConfig(AppConfig):
    name = "aidants"
    verbose_name = "Aidants et structures"

    def ready(self) -> None:
        from aidants import signals  # noqa: F401  (journals logins, failures and lockouts)
