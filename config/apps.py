from django.apps import AppConfig


class ProcurationConfig(AppConfig):
    """Wires the apps together: system checks and the demo seeding command live here."""

    name = "config"
    label = "procuration"
    verbose_name = "Procuration"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the system checks)
