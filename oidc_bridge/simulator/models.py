"""What the simulated providers must remember between requests (development only).

Codes and access tokens are stored as SHA-256 hashes like everywhere else, even here: the
simulator is also the reference our tests read to see what a correct provider does.
"""

from django.db import models
from django.utils import timezone


class Grant(models.Model):
    """An authorization code, then the access token it was exchanged for."""

    class Provider(models.TextChoices):
        CITIZEN = "citizen", "FranceConnect (citoyen)"
        HUB = "hub", "Hub FranceConnect"

    provider = models.CharField(max_length=8, choices=Provider.choices)
    client_id = models.CharField(max_length=128)
    redirect_uri = models.CharField(max_length=500)
    scope = models.CharField(max_length=500)
    nonce = models.CharField(max_length=256)
    acr = models.CharField(max_length=16)
    claims = models.JSONField(default=dict)
    code_sha256 = models.CharField(max_length=64, unique=True)
    code_expires_at = models.DateTimeField()
    code_used_at = models.DateTimeField(null=True, blank=True)
    access_token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_provider_display()} -> {self.client_id}"


class HubTransaction(models.Model):
    """A hub login in progress: the demo site's request, relayed to an identity provider."""

    state_sha256 = models.CharField(max_length=64, unique=True)
    browser_sha256 = models.CharField(max_length=64)
    idp_nonce = models.CharField(max_length=64)
    client_id = models.CharField(max_length=128)
    redirect_uri = models.CharField(max_length=500)
    client_state = models.CharField(max_length=256)
    client_nonce = models.CharField(max_length=256)
    scope = models.CharField(max_length=500)
    acr = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    # Logout cascade (as FranceConnect does): the site's session id at the hub, the identity
    # provider's id_token to hint its end_session with, and where to send the browser after.
    sid = models.CharField(max_length=64, blank=True, db_index=True)
    idp_id_token = models.TextField(blank=True)
    logout_state_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    logout_target = models.CharField(max_length=1000, blank=True)

    def __str__(self) -> str:
        return f"Hub -> {self.client_id}"
