from django.apps import AppConfig


class OidcBridgeConfig(AppConfig):
    name = "oidc_bridge"
    verbose_name = "FranceConnect et fournisseur d'identité"

    def ready(self) -> None:
        from oidc_bridge import keys  # noqa: F401  (registers the signing-key system check)
