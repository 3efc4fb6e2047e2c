"""Mandate URLs, namespace `mandates`. Desk pages and receipts/verification live in two modules."""

from mandates.urls_desk import urlpatterns as desk
from mandates.urls_receipts import urlpatterns as receipts

app_name = "mandates"

urlpatterns = desk + receipts
