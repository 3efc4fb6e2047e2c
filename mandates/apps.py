from django.apps import AppConfig


class MandatesConfig(AppConfig):
    name = "mandates"
    verbose_name = "Mandats"

    def ready(self) -> None:
        from django.core import checks

        from mandates.checks import receipt_seal_check

        checks.register(receipt_seal_check, checks.Tags.security)
