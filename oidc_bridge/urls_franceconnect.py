"""Our FranceConnect client (part of namespace `oidc_bridge`)."""

from django.urls import path

from oidc_bridge.franceconnect import views

urlpatterns: list = [
    path("franceconnect/connexion/", views.fc_login, name="fc_login"),
    path("franceconnect/retour/", views.fc_callback, name="fc_callback"),
    path("franceconnect/deconnexion/", views.fc_logout_callback, name="fc_logout_callback"),
]
