"""The FranceConnect simulator, mounted at /simulateur/ only when FRANCECONNECT_SIMULATOR is on.

- franceconnect/api/v2/...: FranceConnect v2 for citizens (our mandate flow's provider);
- hub/api/v2/...: a FranceConnect hub for the demo site, client of our identity provider;
- caf/: the "CAF – démo" public site.
"""

from django.urls import path

from oidc_bridge.simulator import views_caf, views_citizen, views_hub

app_name = "fc_simulator"

FC = "franceconnect/api/v2/"
HUB = "hub/api/v2/"

urlpatterns: list = [
    path(f"{FC}.well-known/openid-configuration", views_citizen.well_known,
         name="fc_discovery"),
    path(f"{FC}jwks", views_citizen.jwks, name="fc_jwks"),
    path(f"{FC}authorize", views_citizen.authorize_view, name="fc_authorize"),
    path(f"{FC}token", views_citizen.token, name="fc_token"),
    path(f"{FC}userinfo", views_citizen.userinfo, name="fc_userinfo"),
    path(f"{FC}session/end", views_citizen.session_end, name="fc_session_end"),
    path(f"{HUB}.well-known/openid-configuration", views_hub.well_known, name="hub_discovery"),
    path(f"{HUB}jwks", views_hub.jwks, name="hub_jwks"),
    path(f"{HUB}authorize", views_hub.authorize_view, name="hub_authorize"),
    path(f"{HUB}token", views_hub.token, name="hub_token"),
    path(f"{HUB}userinfo", views_hub.userinfo, name="hub_userinfo"),
    path(f"{HUB}session/end", views_hub.session_end, name="hub_session_end"),
    path("hub/retour-fournisseur/", views_hub.idp_callback, name="hub_callback"),
    path("hub/retour-deconnexion/", views_hub.idp_logout_return, name="hub_logout_return"),
    path("caf/", views_caf.index, name="caf_index"),
    path("caf/connexion/", views_caf.login, name="caf_login"),
    path("caf/retour/", views_caf.callback, name="caf_callback"),
]
