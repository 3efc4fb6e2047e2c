"""Admin of the identity provider: clients (secret shown once, never stored in clear), delegated
logins and signing keys (read-only). Writes go through `oidc_bridge.services`, which journal."""

from django import forms
from django.contrib import admin, messages

from audit.readonly_admin import ReadOnlyAdmin
from oidc_bridge import services
from oidc_bridge.models import AuthorizationCode, OIDCClient, SigningKey


class URIListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class OIDCClientForm(forms.ModelForm):
    redirect_uris = URIListField(label="URL de retour (une par ligne, comparées à l'identique)")
    post_logout_redirect_uris = URIListField(label="URL de retour après déconnexion",
                                             required=False)

    class Meta:
        model = OIDCClient
        fields = ["client_id", "name", "redirect_uris", "post_logout_redirect_uris", "alg",
                  "userinfo_format", "actor_claim", "is_active"]

    def clean(self):
        data = super().clean()
        try:
            services.validate_registration(
                client_id=data.get("client_id") or getattr(self.instance, "client_id", ""),
                redirect_uris=data.get("redirect_uris") or [],
                post_logout_redirect_uris=data.get("post_logout_redirect_uris") or [],
                alg=data.get("alg"), userinfo_format=data.get("userinfo_format"))
        except services.ClientRegistrationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.action(description="Renouveler le secret (affiché une seule fois)")
def rotate_secret(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, "Choisissez un seul client.", messages.ERROR)
        return
    client = queryset.get()
    secret = services.oidc_client_rotate_secret(client=client, actor=request.user)
    modeladmin.message_user(
        request, f"Nouveau secret de {client.client_id} : {secret} — notez-le maintenant, il ne "
                 "sera plus affiché.", messages.WARNING)


@admin.register(OIDCClient)
class OIDCClientAdmin(admin.ModelAdmin):
    form = OIDCClientForm
    list_display = ["client_id", "name", "alg", "userinfo_format", "actor_claim", "is_active"]
    list_filter = ["alg", "userinfo_format", "actor_claim", "is_active"]
    search_fields = ["client_id", "name"]
    actions = [rotate_secret]

    def get_readonly_fields(self, request, obj=None):
        return ["client_id", "created_at", "secret_rotated_at"] if obj else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        common = {"redirect_uris": data["redirect_uris"], "alg": data["alg"],
                  "post_logout_redirect_uris": data["post_logout_redirect_uris"],
                  "userinfo_format": data["userinfo_format"], "name": data["name"],
                  "actor_claim": data["actor_claim"], "actor": request.user}
        if change:
            saved = services.oidc_client_update(client=obj, is_active=data["is_active"], **common)
        else:
            saved, secret = services.oidc_client_register(client_id=data["client_id"], **common)
            messages.warning(request, f"Secret de {saved.client_id} : {secret} — notez-le "
                                      "maintenant, il ne sera plus affiché.")
        obj.pk = saved.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False  # codes and the journal refer to clients: deactivate instead


@admin.register(AuthorizationCode)
class DelegatedLoginAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "client", "structure", "demarche", "used_at", "ended_at"]
    list_filter = ["demarche", "client"]
    exclude = ["code_sha256", "nonce", "code_challenge"]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "alg", "created_at", "retired_at"]
    exclude = ["encrypted_private_jwk"]
