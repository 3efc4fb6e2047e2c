"""Mounted at /journal/. `cle-publique` and `checkpoint` are stable public URLs for witnesses."""

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.entries, name="entries"),
    path("verification/", views.verification, name="verification"),
    path("export/", views.export, name="export"),
    path("cle-publique", views.public_key, name="public_key"),
    path("checkpoint", views.latest_checkpoint, name="latest_checkpoint"),
]
