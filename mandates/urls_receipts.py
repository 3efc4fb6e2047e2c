"""Receipts, public verification and statistics (combined into namespace `mandates`)."""

from django.urls import path

from mandates import views_receipts as views

urlpatterns = [
    path("<int:pk>/recepisse.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("<int:pk>/attestation-revocation.pdf", views.revocation_receipt_pdf,
         name="revocation_receipt_pdf"),
    path("verifier/", views.verify_form, name="verify_form"),
    path("verifier/<str:short_code>/", views.verify, name="verify"),
    path("sceau-recepisses.pem", views.seal_certificate, name="seal_certificate"),
    path("statistiques/", views.structure_stats, name="stats"),
    path("statistiques.csv", views.structure_stats_csv, name="stats_csv"),
]
