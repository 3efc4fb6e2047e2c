from django.apps import AppConfig


class OidcBridgeConfig(AppConfig):
    name = "oidc_bridge"
    verbose_name = "FranceConnect et fournisseur d'identité"
