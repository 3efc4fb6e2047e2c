"""Forms of the aidant pages. Labels and errors in French; errors never say whether an
account exists."""

from django import forms

from aidants.selectors import structures_of

GENERIC_LOGIN_ERROR = "Adresse e-mail ou mot de passe incorrect."


class LoginForm(forms.Form):
    # Named `username` because django-axes reads the login from AXES_USERNAME_FORM_FIELD.
    username = forms.EmailField(
        label="Adresse e-mail", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(
        label="Mot de passe", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_username(self) -> str:
        # One spelling per account, so "Jean@X.fr" and "jean@x.fr" share one lockout counter.
        return self.cleaned_data["username"].strip().lower()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code à usage unique", max_length=32,
        help_text="Les 6 chiffres affichés par votre application ou votre carte, "
                  "ou l'un de vos codes de secours (10 caractères).",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "spellcheck": "false", "autocapitalize": "off"}))


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label="Code affiché par l'application", max_length=8,
        help_text="6 chiffres, par exemple 123456.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class StructureChoiceForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Structure", queryset=None, widget=forms.RadioSelect, empty_label=None,
        error_messages={"invalid_choice": "Choisissez l'une de vos structures.",
                        "required": "Choisissez une structure."})

    def __init__(self, *args, aidant, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = structures_of(aidant)
        field.initial = aidant.current_structure_id
