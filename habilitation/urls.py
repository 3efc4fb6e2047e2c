from django.urls import path

from habilitation.views import aidants, cards, charter, public, requests, staff

app_name = "habilitation"

urlpatterns = [
    path("structure/inscription/", public.structure_signup_view, name="structure_signup"),
    path("structure/inscription/envoyee/", public.structure_signup_done_view,
         name="structure_signup_done"),
    path("invitation/<str:uidb64>/<str:token>/", public.set_password_view, name="set_password"),
    path("charte/", charter.charter_view, name="charter"),
    path("demandes/", requests.request_list_view, name="request_list"),
    path("demandes/nouvelle/", requests.request_create_view, name="request_create"),
    path("demandes/<int:pk>/", requests.request_detail_view, name="request_detail"),
    path("demandes/<int:pk>/<slug:action>/", requests.request_action_view,
         name="request_action"),
    path("cartes/", cards.card_list_view, name="card_list"),
    path("cartes/<int:pk>/attribuer/", cards.card_assign_view, name="card_assign"),
    path("cartes/<int:pk>/confirmer/", cards.card_confirm_view, name="card_confirm"),
    path("cartes/<int:pk>/perdue/", cards.card_retire_view, {"action": "lost"},
         name="card_lost"),
    path("cartes/<int:pk>/desactiver/", cards.card_retire_view, {"action": "deactivate"},
         name="card_deactivate"),
    path("aidants/", aidants.aidant_list_view, name="aidant_list"),
    path("aidants/<int:pk>/desactiver/", aidants.aidant_deactivate_view,
         name="aidant_deactivate"),
    path("aidants/<int:pk>/invitation/", aidants.aidant_invite_view, name="aidant_invite"),
    path("equipe/structures/", staff.structure_request_list_view,
         name="structure_request_list"),
    path("equipe/structures/<int:pk>/", staff.structure_request_detail_view,
         name="structure_request_detail"),
    path("equipe/charte/", staff.charter_publish_view, name="charter_publish"),
    path("equipe/cartes/import/", staff.card_import_view, name="card_import"),
]
