"""Our OIDC identity provider's state: registered clients, signing keys, codes and tokens.

Codes and access tokens are 256-bit random values stored only as their SHA-256 (a password hasher
on high-entropy secrets would only burn time); client secrets likewise. An `AuthorizationCode`
row is also the record of one delegated use (aidant, usager, mandate, authorisation, démarche):
its `sid` names the provider-side delegated session that `end_session` ends.
"""

from django.db import models
from django.utils import timezone

from aidants.demarches import Demarche


class SigningAlg(models.TextChoices):
    ES256 = "ES256", "ES256 (ECDSA P-256, recommandé)"
    RS256 = "RS256", "RS256 (RSA)"


class UserinfoFormat(models.TextChoices):
    JSON = "json", "JSON"
    JWT = "jwt", "JWT signé (application/jwt)"


class OIDCClient(models.Model):
    """A relying party (FranceConnect's hub, in production) allowed to ask for a delegated login.

    Redirect URIs are compared by exact string match (RFC 9700 2.1, OIDC Core 3.1.2.1).
    """

    client_id = models.CharField("identifiant", max_length=128, unique=True)
    name = models.CharField("nom", max_length=200, blank=True)
    secret_sha256 = models.CharField(max_length=64, editable=False)
    redirect_uris = models.JSONField("URL de retour", default=list)
    post_logout_redirect_uris = models.JSONField("URL de retour après déconnexion", default=list,
                                                 blank=True)
    alg = models.CharField("algorithme de signature", max_length=8, choices=SigningAlg.choices,
                           default=SigningAlg.ES256)
    userinfo_format = models.CharField("format userinfo", max_length=8,
                                       choices=UserinfoFormat.choices,
                                       default=UserinfoFormat.JSON)
    actor_claim = models.BooleanField(
        "revendication « act » (aidant et structure)", default=False,
        help_text="Le site reçoit le nom de l'aidant et de sa structure (RFC 8693, 4.1).")
    # Pairwise `sub` (OIDC Core 8.1): clients of one sector may share it; default: the client id.
    sector_identifier = models.CharField("secteur (sub par paire)", max_length=255, blank=True)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "client OIDC"
        verbose_name_plural = "clients OIDC"
        ordering = ["client_id"]

    def __str__(self) -> str:
        return self.name or self.client_id

    @property
    def sector(self) -> str:
        return self.sector_identifier or self.client_id


class SigningKey(models.Model):
    """A development signing key, generated once, private part encrypted (Fernet, aidants.crypto).

    Production keys come from `OIDC_SIGNING_KEYS` instead (see `oidc_bridge.keys`). The newest
    non-retired key of an algorithm signs; a retired key stays in the JWKS until every token it
    signed has expired (`retired_at` + the longest token lifetime).
    """

    kid = models.CharField(max_length=64, unique=True)
    alg = models.CharField(max_length=8, choices=SigningAlg.choices)
    encrypted_private_jwk = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "clé de signature"
        verbose_name_plural = "clés de signature"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.alg} {self.kid}"


class AuthorizationCode(models.Model):
    """One delegated use: the single-use code and everything it is bound to."""

    code_sha256 = models.CharField(max_length=64, unique=True)
    sid = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OIDCClient, on_delete=models.PROTECT, related_name="codes")
    redirect_uri = models.TextField()
    scope = models.CharField(max_length=500)
    nonce = models.CharField(max_length=255)
    code_challenge = models.CharField(max_length=128, blank=True)
    aidant = models.ForeignKey("aidants.Aidant", on_delete=models.PROTECT, related_name="+")
    structure = models.ForeignKey("aidants.Organisation", on_delete=models.PROTECT,
                                  related_name="+")
    usager = models.ForeignKey("mandates.Usager", on_delete=models.PROTECT, related_name="+")
    mandate = models.ForeignKey("mandates.Mandate", on_delete=models.PROTECT, related_name="+")
    authorisation = models.ForeignKey("mandates.Authorisation", on_delete=models.PROTECT,
                                      related_name="+")
    demarche = models.CharField(max_length=32, choices=Demarche.choices)
    # The rep_scope values the client asked for (OIDC Core 5.5 claims request), if any.
    requested_rep_scope = models.JSONField(default=list, blank=True)
    auth_time = models.DateTimeField()
    acr = models.CharField(max_length=32)
    amr = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set by end_session (or a code replay): the delegated session is over, its tokens revoked.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "connexion déléguée"
        verbose_name_plural = "connexions déléguées"
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                   name="oidc_code_expires_after_creation"),
        ]

    def __str__(self) -> str:
        return f"{self.client.client_id} – {self.demarche} ({self.created_at:%Y-%m-%d %H:%M})"


class AccessTokenQuerySet(models.QuerySet):
    def valid(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at,
                           code__ended_at__isnull=True)


class AccessToken(models.Model):
    token_sha256 = models.CharField(max_length=64, unique=True)
    code = models.ForeignKey(AuthorizationCode, on_delete=models.CASCADE, related_name="tokens")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'accès"
        verbose_name_plural = "jetons d'accès"

    def __str__(self) -> str:
        return f"Jeton {self.token_sha256[:8]}… ({self.code_id})"

    def is_valid(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at and self.code.ended_at is None
