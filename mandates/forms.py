"""Desk forms. Validation of business rules stays in the services; forms check input shape."""

from django import forms

from aidants.demarches import CATALOGUE
from mandates.models import Mandate
from mandates.services import REASON_MAX_LENGTH


class MandateChoiceForm(forms.Form):
    """Step 1: which démarches (only those the structure offers) and for how long."""

    demarches = forms.MultipleChoiceField(
        label="Démarches", widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une démarche."})
    duration = forms.ChoiceField(
        label="Durée du mandat", choices=Mandate.Duration.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choisissez la durée du mandat."})

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        offered = [code for code in CATALOGUE if code in organisation.allowed_demarches]
        self.fields["demarches"].choices = [(code, CATALOGUE[code].label) for code in offered]
        self.catalogue = [CATALOGUE[code] for code in offered]


class ConsentForm(forms.Form):
    """The two explicit consents, unchecked by default (RGPD: consent is an act)."""

    usager_consent = forms.BooleanField(
        label="L'usager a lu le récapitulatif et donne son accord pour ce mandat.",
        error_messages={"required": "Le consentement de l'usager est obligatoire."})
    aidant_consent = forms.BooleanField(
        label="Je m'engage à n'agir que pour les démarches choisies, jusqu'à la date de fin.",
        error_messages={"required": "Votre engagement d'aidant est obligatoire."})


class RenewForm(MandateChoiceForm, ConsentForm):
    pass


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Motif de la révocation", max_length=REASON_MAX_LENGTH, widget=forms.Textarea(
            attrs={"rows": 3}),
        help_text="Par exemple : demande de l'usager, erreur de saisie.",
        error_messages={"required": "Indiquez le motif de la révocation.",
                        "max_length": "Le motif ne doit pas dépasser %(limit_value)d caractères."})
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SearchForm(forms.Form):
    q = forms.CharField(label="Rechercher un usager", required=False, max_length=100,
                        help_text="Nom, prénom ou date de naissance (par exemple 14/03/1950).")
    ended = forms.BooleanField(label="Inclure les usagers dont le mandat est terminé",
                               required=False)
