from django.urls import path

from aidants import account_views, views

app_name = "aidants"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("connexion/", views.login_view, name="login"),
    path("connexion/code/", views.otp_view, name="otp"),
    path("connexion/verification/", views.reauthenticate_view, name="reauthenticate"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("structure/", views.switch_structure_view, name="switch_structure"),
    path("compte/securite/", account_views.security_view, name="account_security"),
    path("compte/securite/application/", account_views.enrol_app_view, name="enrol_app"),
    path("compte/securite/codes-de-secours/", account_views.backup_codes_view,
         name="backup_codes"),
]
