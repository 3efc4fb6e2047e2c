"""Invitation links to set a first password: Django's password-reset token, its own salt.

Single use: the token hashes the password hash and last login, both change once the password is
set. Expiry: `PASSWORD_RESET_TIMEOUT` (Django's default, 3 days).
Key rotation: SECRET_KEY_FALLBACKS.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "habilitation.tokens.InvitationTokenGenerator"


invitation_token = InvitationTokenGenerator()


def invitation_url(aidant) -> str:
    path = reverse("habilitation:set_password", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(aidant.pk)),
        "token": invitation_token.make_token(aidant),
    })
    return f"{settings.SITE_URL}{path}"
