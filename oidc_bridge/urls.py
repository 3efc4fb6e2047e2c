"""OIDC URLs, namespace `oidc_bridge`: our identity provider and our FranceConnect client."""

from oidc_bridge.urls_franceconnect import urlpatterns as franceconnect
from oidc_bridge.urls_provider import urlpatterns as provider

app_name = "oidc_bridge"

urlpatterns = provider + franceconnect
