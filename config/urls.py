from django.conf import settings
from django.contrib import admin
from django.urls import include, path

# A database outage answers a French 503 page, any other failure the French 500 page.
handler500 = "config.errors.server_error"
handler400 = "config.errors.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("habilitation/", include("habilitation.urls")),
    path("mandats/", include("mandates.urls")),
    path("journal/", include("audit.urls")),
    path("", include("oidc_bridge.urls")),
    path("", include("aidants.urls")),
]

if settings.FRANCECONNECT_SIMULATOR:
    # Refused in production by a system check; never mounted unless explicitly enabled.
    urlpatterns.insert(0, path("simulateur/", include("oidc_bridge.simulator.urls")))
