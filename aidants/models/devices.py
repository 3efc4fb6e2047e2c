"""Second factors: TOTP (phone app or hardware card) and hashed backup codes.

We do not use django-otp's bundled TOTPDevice and StaticDevice because they keep the TOTP key
and the backup codes in clear. Ours encrypt the key (Fernet, `aidants.crypto`) and keep only
salted SHA-256 digests of backup codes, while reusing django-otp's `Device` (so `otp_login`,
`is_verified()` and `OTPAdminSite` work) and its `ThrottlingMixin` (exponential back-off on
failures). Verification locks the device row, as django-otp does, so parallel guesses cannot
slip past throttling or replay a code.
"""

import hashlib
import hmac
import secrets
import time
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models, transaction
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from aidants import crypto


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP generator: an authenticator app (30 s) or a hardware card (60 s, has a serial)."""

    class Kind(models.TextChoices):
        APP = "app", "Application sur téléphone"
        CARD = "card", "Carte TOTP"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.APP)
    card_serial = models.CharField("numéro de série de la carte", max_length=64, blank=True)
    encrypted_key = models.TextField(editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The last time step accepted: a code of that step or earlier is refused (no replay).
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "générateur de codes (TOTP)"
        constraints = [
            models.UniqueConstraint(fields=["card_serial"], condition=~models.Q(card_serial=""),
                                    name="totp_card_serial_unique"),
        ]

    def set_key(self, key: bytes) -> None:
        self.encrypted_key = crypto.encrypt(key)

    @property
    def bin_key(self) -> bytes:
        return crypto.decrypt(self.encrypted_key)

    def get_throttle_factor(self) -> int:
        return settings.OTP_TOTP_THROTTLE_FACTOR

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, 0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token) -> bool:
        """Check `token` under a row lock; on success remember its step so it cannot be replayed."""
        with transaction.atomic():
            device = type(self).objects.select_for_update().get(pk=self.pk)
            verified = device._verify_locked(token)
        self.refresh_from_db()
        return verified

    def _verify_locked(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token).strip()
        totp = self._totp()
        if token.isdigit() and len(token) == self.digits and totp.verify(
                int(token), self.tolerance, self.last_t + 1):
            self.last_t = totp.t()
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False

    def config_url(self) -> str:
        """The `otpauth://` URI an authenticator app scans (Google Authenticator key format)."""
        label = quote(f"{settings.OTP_TOTP_ISSUER}:{self.user.email}")
        params = {
            "secret": b32encode(self.bin_key).decode().rstrip("="),
            "issuer": settings.OTP_TOTP_ISSUER,
            "algorithm": "SHA1",
            "digits": self.digits,
            "period": self.step,
        }
        return f"otpauth://totp/{label}?{urlencode(params)}"

    @staticmethod
    def random_key() -> bytes:
        return secrets.token_bytes(20)


BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODE_LENGTH = 10


def _digest(salt: str, code: str) -> str:
    # Backup codes carry ~50 bits; a server-side pepper (SECRET_KEY) plus a per-device salt
    # keeps a leaked table useless, and throttling bounds online guessing.
    key = f"{settings.SECRET_KEY}:{salt}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


class BackupCodeDevice(ThrottlingMixin, Device):
    """A set of single-use backup codes, stored only as salted HMAC-SHA256 digests."""

    salt = models.CharField(max_length=32, default="", editable=False)

    class Meta(Device.Meta):
        verbose_name = "codes de secours"

    def get_throttle_factor(self) -> int:
        return settings.OTP_TOTP_THROTTLE_FACTOR

    def generate(self, count: int = 10) -> list[str]:
        """Replace the codes; return the new ones in clear, to be shown once."""
        codes = ["".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
                 for _ in range(count)]
        self.salt = secrets.token_hex(16)
        self.save(update_fields=["salt"])
        self.codes.all().delete()
        BackupCode.objects.bulk_create(
            BackupCode(device=self, digest=_digest(self.salt, code)) for code in codes)
        return codes

    def verify_token(self, token) -> bool:
        code = "".join(str(token).split()).lower().replace("-", "")
        with transaction.atomic():
            device = type(self).objects.select_for_update().get(pk=self.pk)
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                return False
            deleted, _ = device.codes.filter(digest=_digest(device.salt, code)).delete()
            if deleted:
                device.throttle_reset()
                return True
            device.throttle_increment()
            return False


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"code de secours n° {self.pk}"  # never the digest
