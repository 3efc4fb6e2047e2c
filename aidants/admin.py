"""Admin for national staff: structures, aidants (with memberships) and hardware TOTP cards.

Changes made here are journaled (`aidants.signals`, ADMIN_* events). Passwords are never shown
(only Django's read-only hash summary); card secrets are typed once and stored encrypted.
"""

import binascii
from base64 import b32decode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from aidants import services
from aidants.models import Aidant, Membership, Organisation, TOTPDevice
from aidants.siret import normalise_siret


class OrganisationForm(forms.ModelForm):
    # Longer than the stored 14 digits: spaces are accepted, then removed by clean_siret.
    siret = forms.CharField(label="SIRET", max_length=20,
                            help_text="14 chiffres, espaces acceptés (avis de situation INSEE).")

    class Meta:
        model = Organisation
        fields = ["name", "type", "siret", "address", "postal_code", "city", "contact_email",
                  "allowed_demarches", "is_active"]

    def clean_siret(self) -> str:
        # Spaces are how people copy a SIRET ("732 829 320 00074"); the model's validator then
        # checks the 14 digits and the key (Luhn, La Poste exception).
        return normalise_siret(self.cleaned_data["siret"])


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationForm
    list_display = ["name", "type", "siret", "city", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name", "siret", "city"]


def _clean_unique_email(form) -> str:
    email = form.cleaned_data["email"].strip().lower()
    others = Aidant.objects.filter(email__iexact=email)
    if form.instance.pk:
        others = others.exclude(pk=form.instance.pk)
    if others.exists():
        raise ValidationError("Un compte utilise déjà cette adresse e-mail.")
    return email


class AidantCreationForm(AdminUserCreationForm):
    class Meta:
        model = Aidant
        fields = ["email", "first_name", "last_name"]

    def clean_email(self) -> str:
        return _clean_unique_email(self)


class AidantChangeForm(UserChangeForm):
    class Meta:
        model = Aidant
        fields = "__all__"

    def clean_email(self) -> str:
        return _clean_unique_email(self)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organisation", "role", "is_active"]
    autocomplete_fields = ["organisation"]


@admin.register(Aidant)
class AidantAdmin(UserAdmin):
    form = AidantChangeForm
    add_form = AidantCreationForm
    inlines = [MembershipInline]
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "is_auditor"]
    list_filter = ["is_active", "is_staff", "is_auditor"]
    search_fields = ["email", "first_name", "last_name"]
    # Deactivation ends the aidant's sessions and is journaled: it goes through the actions.
    readonly_fields = ["is_active", "last_login", "date_joined"]
    filter_horizontal = ["groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "profession"]}),
        ("Structure", {"fields": ["current_structure"]}),
        ("Rôles", {"fields": ["is_active", "is_staff", "is_auditor", "is_superuser", "groups",
                              "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "usable_password", "password1",
                           "password2"]}),
    ]
    actions = ["deactivate", "reactivate"]

    @admin.action(description="Désactiver les aidants sélectionnés (ferme leurs sessions)",
                  permissions=["change"])
    def deactivate(self, request, queryset):
        for aidant in queryset.filter(is_active=True):
            services.aidant_deactivate(aidant=aidant, actor=request.user,
                                       reason="Désactivé depuis l'administration nationale")
        messages.success(request, "Les aidants sélectionnés sont désactivés.")

    @admin.action(description="Réactiver les aidants sélectionnés", permissions=["change"])
    def reactivate(self, request, queryset):
        for aidant in queryset.filter(is_active=False):
            services.aidant_reactivate(aidant=aidant, actor=request.user,
                                       reason="Réactivé depuis l'administration nationale")
        messages.success(request, "Les aidants sélectionnés sont réactivés.")


def parse_secret(raw: str) -> bytes:
    """A card secret as printed by manufacturers: hexadecimal, or base32 (RFC 4648)."""
    text = "".join(raw.split())
    try:
        return bytes.fromhex(text)
    except ValueError:
        pass
    try:
        return b32decode(text.upper() + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("Clé illisible : saisissez-la en hexadécimal ou en base32.") \
            from exc


class CardCreationForm(forms.ModelForm):
    secret = forms.CharField(
        label="Clé secrète de la carte", strip=True,
        help_text="En hexadécimal ou en base32, telle que fournie par le fabricant. Elle est "
                  "chiffrée et ne sera plus jamais affichée.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    step = forms.TypedChoiceField(label="Période", coerce=int, initial=60,
                                  choices=[(60, "60 secondes"), (30, "30 secondes")])

    class Meta:
        model = TOTPDevice
        fields = ["user", "card_serial", "step"]

    def clean(self):
        cleaned = super().clean()
        if "secret" in cleaned:
            cleaned["key"] = parse_secret(cleaned["secret"])
            services.totp_device_validate(
                kind=TOTPDevice.Kind.CARD, key=cleaned["key"], step=cleaned.get("step") or 60,
                card_serial=(cleaned.get("card_serial") or "").strip())
        return cleaned


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "kind", "card_serial", "confirmed", "last_used_at",
                    "throttling_failure_count"]
    list_filter = ["kind", "confirmed"]
    search_fields = ["card_serial", "user__email", "user__last_name"]
    autocomplete_fields = ["user"]
    fields = ["user", "name", "kind", "card_serial", "step", "confirmed", "last_used_at",
              "throttling_failure_count"]
    readonly_fields = ["user", "kind", "card_serial", "step", "last_used_at",
                       "throttling_failure_count"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CardCreationForm
            kwargs["fields"] = ["user", "card_serial", "secret", "step"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "card_serial", "secret", "step"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # The form ran `totp_device_validate`: the service will not refuse these values.
        device = services.totp_device_create(
            aidant=form.cleaned_data["user"], kind=TOTPDevice.Kind.CARD,
            key=form.cleaned_data["key"], step=form.cleaned_data["step"],
            card_serial=form.cleaned_data["card_serial"], confirmed=True, actor=request.user)
        obj.pk = device.pk
        obj.refresh_from_db()
