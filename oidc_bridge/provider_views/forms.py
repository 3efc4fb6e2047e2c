"""The aidant's choices during a delegated login. Choices come from the selectors, so a value
posted for a usager or démarche outside the aidant's structure or mandates is simply invalid."""

from django import forms

from oidc_bridge.selectors import demarche_label


class UsagerChoiceForm(forms.Form):
    usager = forms.ChoiceField(label="Pour quel usager agissez-vous ?", widget=forms.RadioSelect,
                               error_messages={"required": "Choisissez un usager.",
                                               "invalid_choice": "Choisissez un usager de la "
                                                                 "liste."})

    def __init__(self, *args, usagers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usager"].choices = [
            (str(u.pk), f"{u.display_name} (né·e le {u.birthdate})") for u in usagers]


class DemarcheChoiceForm(forms.Form):
    demarche = forms.ChoiceField(label="Pour quelle démarche ?", widget=forms.RadioSelect,
                                 error_messages={"required": "Choisissez une démarche.",
                                                 "invalid_choice": "Choisissez une démarche de "
                                                                   "la liste."})

    def __init__(self, *args, authorisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demarche"].choices = [
            (a.demarche, f"{demarche_label(a.demarche)} (mandat {a.mandate.short_code}, "
                         f"valable jusqu'au {a.mandate.expires_at:%d/%m/%Y})")
            for a in authorisations]
