from django.urls import path

from aidants import views

app_name = "aidants"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("connexion/", views.login_view, name="login"),
    path("connexion/code/", views.otp_view, name="otp"),
    path("connexion/verification/", views.reauthenticate_view, name="reauthenticate"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("structure/", views.switch_structure_view, name="switch_structure"),
]
