from django import forms

from audit.events import EventType


class EntryFilterForm(forms.Form):
    structure = forms.IntegerField(label="Structure (numéro)", required=False, min_value=1)
    aidant = forms.IntegerField(label="Aidant (numéro)", required=False, min_value=1)
    usager = forms.IntegerField(label="Usager (numéro)", required=False, min_value=1)
    event_type = forms.ChoiceField(label="Type d'événement", required=False,
                                   choices=[("", "Tous")] + list(EventType.choices))
    date_from = forms.DateField(label="Du", required=False,
                                help_text="Format : AAAA-MM-JJ",
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Au (inclus)", required=False,
                              help_text="Format : AAAA-MM-JJ",
                              widget=forms.DateInput(attrs={"type": "date"}))

    def describe_fields(self) -> None:
        """Tie hints and errors to their inputs (RGAA: aria-describedby, aria-invalid)."""
        for name, field in self.fields.items():
            ids = [f"id_{name}-aide"] if field.help_text else []
            if self.is_bound and name in self.errors:
                ids.append(f"id_{name}-erreur")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "La date de fin doit suivre la date de début.")
        return data
