"""Desk pages (namespace `mandates`, mounted under /mandats/)."""

from django.urls import path

from mandates import views

urlpatterns = [
    path("", views.space_view, name="space"),
    path("usagers/<int:usager_id>/", views.usager_view, name="usager"),
    path("nouveau/", views.create_view, name="create"),
    path("nouveau/franceconnect/", views.create_identify_view, name="create_identify"),
    path("nouveau/recapitulatif/", views.create_recap_view, name="create_recap"),
    path("<int:mandate_id>/", views.mandate_view, name="detail"),
    path("<int:mandate_id>/revoquer/", views.revoke_view, name="revoke"),
    path("<int:mandate_id>/autorisations/<int:authorisation_id>/revoquer/",
         views.authorisation_revoke_view, name="authorisation_revoke"),
    path("<int:mandate_id>/renouveler/", views.renew_view, name="renew"),
]
