"""Forms of the habilitation pages. They validate input; services decide and write."""

from django import forms
from django.core.exceptions import ValidationError

from aidants.demarches import CATALOGUE
from aidants.models import Aidant, Organisation
from aidants.siret import normalise_siret, validate_siret
from habilitation.models import HabilitationStatus, StructureRequest
from habilitation.services import siret_taken

DEMARCHE_CHOICES = [(code, info.label) for code, info in CATALOGUE.items()]
MAX_CSV_BYTES = 1_000_000


class StructureSignupForm(forms.ModelForm):
    allowed_demarches = forms.MultipleChoiceField(
        label="Démarches que vous accompagnez", choices=DEMARCHE_CHOICES,
        widget=forms.CheckboxSelectMultiple, initial=list(CATALOGUE),
        error_messages={"required": "Cochez au moins une démarche."})

    class Meta:
        model = StructureRequest
        fields = ["name", "type", "siret", "address", "postal_code", "city",
                  "allowed_demarches", "referent_first_name", "referent_last_name",
                  "referent_email", "referent_profession"]
        help_texts = {
            "siret": "14 chiffres, sans espace. Il figure sur votre avis de situation INSEE.",
            "referent_email": "Le lien pour créer le compte du référent sera envoyé à cette "
                              "adresse.",
        }

    def clean_siret(self):
        siret = normalise_siret(self.cleaned_data["siret"])
        validate_siret(siret)
        reason = siret_taken(siret)
        if reason:
            raise ValidationError(reason, code="siret_taken")
        return siret

    def clean_postal_code(self):
        code = self.cleaned_data["postal_code"].strip()
        if not (len(code) == 5 and code.isdigit()):
            raise ValidationError("Le code postal doit comporter 5 chiffres.")
        return code


class ApproveForm(forms.Form):
    allowed_demarches = forms.MultipleChoiceField(
        label="Démarches autorisées", choices=DEMARCHE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins une démarche."})


class RefusalForm(forms.Form):
    reason = forms.CharField(label="Motif du refus", widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000, help_text="Il sera envoyé par e-mail.")


class HabilitationRequestForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Structure", queryset=Organisation.objects.none())
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(label="Adresse e-mail",
                             help_text="Adresse personnelle et professionnelle : jamais une "
                                       "adresse partagée.")
    profession = forms.CharField(label="Profession", max_length=150,
                                 help_text="Par exemple : conseiller numérique, agent d'accueil.")

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(label="Étape", required=False,
                               choices=[("", "Toutes")] + HabilitationStatus.choices)
    q = forms.CharField(label="Nom ou e-mail", required=False, max_length=100)
    organisation = forms.ModelChoiceField(label="Structure", required=False,
                                          queryset=Organisation.objects.none(),
                                          empty_label="Toutes")

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class TrainingForm(forms.Form):
    # A native date picker sends ISO dates (HTML "date" input), which Django always accepts.
    training_date = forms.DateField(
        label="Date de la formation", help_text="Par exemple : 15/03/2026.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    training_organisation = forms.CharField(label="Organisme de formation", max_length=200)


class CharterPublishForm(forms.Form):
    text = forms.CharField(label="Texte de la nouvelle version",
                           widget=forms.Textarea(attrs={"rows": 16}))


class CharterAcceptForm(forms.Form):
    accept = forms.BooleanField(
        label="J'ai lu la charte déontologique et je m'engage à la respecter.",
        error_messages={"required": "Cochez la case pour accepter la charte."})


class CardImportForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Structure destinataire",
                                          queryset=Organisation.objects.active())
    file = forms.FileField(label="Fichier CSV des cartes",
                           help_text="Une carte par ligne : numéro de série, secret (hexadécimal "
                                     "ou base32), durée d'un code en secondes (30 ou 60).")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError("Le fichier dépasse 1 Mo : découpez-le.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("Le fichier doit être un CSV encodé en UTF-8.") from None


class CardAssignForm(forms.Form):
    aidant = forms.ModelChoiceField(label="Aidant", queryset=Aidant.objects.none())

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["aidant"].queryset = Aidant.objects.filter(
            is_active=True, memberships__organisation=organisation,
            memberships__is_active=True).order_by("last_name", "first_name")


class CardConfirmForm(forms.Form):
    code = forms.CharField(label="Code affiché sur la carte", max_length=8,
                           help_text="6 chiffres. Appuyez sur le bouton de la carte pour "
                                     "l'afficher.",
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))


class DeactivateForm(forms.Form):
    reason = forms.CharField(label="Motif", max_length=500,
                             help_text="Par exemple : départ de la structure.")
