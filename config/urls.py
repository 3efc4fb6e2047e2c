from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("habilitation/", include("habilitation.urls")),
    path("mandats/", include("mandates.urls")),
    path("journal/", include("audit.urls")),
    path("", include("oidc_bridge.urls")),
    path("", include("aidants.urls")),
]
