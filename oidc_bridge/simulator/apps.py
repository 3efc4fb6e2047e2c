from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """The FranceConnect simulator (citizen provider, hub, demo site).

    Never mounted in production."""

    name = "oidc_bridge.simulator"
    label = "fc_simulator"
    verbose_name = "Simulateur FranceConnect"
