"""Our identity provider's URLs (namespace `oidc_bridge`, names prefixed `provider_`)."""

from django.urls import path

from oidc_bridge.provider_views import authorize, endpoints

urlpatterns = [
    path(".well-known/openid-configuration", endpoints.discovery_view,
         name="provider_discovery"),
    path("oidc/jwks", endpoints.jwks_view, name="provider_jwks"),
    path("oidc/authorize", authorize.authorize_view, name="provider_authorize"),
    path("oidc/authorize/<str:txn>/usager", authorize.select_usager_view,
         name="provider_select_usager"),
    path("oidc/authorize/<str:txn>/demarche", authorize.select_demarche_view,
         name="provider_select_demarche"),
    path("oidc/authorize/<str:txn>/annuler", authorize.cancel_view, name="provider_cancel"),
    path("oidc/token", endpoints.token_view, name="provider_token"),
    path("oidc/userinfo", endpoints.userinfo_view, name="provider_userinfo"),
    path("oidc/logout", endpoints.end_session_view, name="provider_end_session"),
]
