"""Checking a one-time code against an aidant's confirmed second factors.

A code is routed by its shape: 10 characters is a backup code, anything else is tried on the
TOTP generators (phone app, hardware card). Routing keeps a TOTP login from counting as a failed
backup-code guess (django-otp's throttling would otherwise slow the backup codes after every
login). Each device throttles and locks itself (see `aidants.models.devices`).
"""

from dataclasses import dataclass
from datetime import datetime

from aidants.models import BackupCodeDevice, TOTPDevice
from aidants.models.devices import BACKUP_CODE_LENGTH


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | BackupCodeDevice | None = None
    # True when every candidate device was throttled: no code was checked at all.
    throttled: bool = False
    retry_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.device is not None


def normalise(token: str) -> str:
    return "".join(str(token).split()).replace("-", "").lower()


def _candidates(aidant, token: str) -> list:
    if len(token) == BACKUP_CODE_LENGTH:
        return list(BackupCodeDevice.objects.filter(user=aidant, confirmed=True))
    return list(TOTPDevice.objects.filter(user=aidant, confirmed=True).order_by("pk"))


def has_confirmed_device(aidant) -> bool:
    return (TOTPDevice.objects.filter(user=aidant, confirmed=True).exists()
            or BackupCodeDevice.objects.filter(user=aidant, confirmed=True,
                                               codes__isnull=False).exists())


def verify(aidant, token: str) -> Verification:
    """Return the device that accepted `token`, or why none did.

    Contract: a TOTP code is accepted once (the device remembers its time step); a backup code
    is deleted when used. On success the aidant's other generators are un-throttled: the person
    has just proved they hold a factor, and an app code tried on their card must not slow the
    card down.
    """
    token = normalise(token)
    candidates = _candidates(aidant, token)
    blocked = []
    for device in candidates:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            blocked.append(info.get("locked_until"))
            continue
        if device.verify_token(token):
            _unthrottle_siblings(device)
            return Verification(device=device)
    if candidates and len(blocked) == len(candidates):
        known = [moment for moment in blocked if moment is not None]
        return Verification(throttled=True, retry_at=min(known) if known else None)
    return Verification()


def _unthrottle_siblings(device) -> None:
    if isinstance(device, TOTPDevice):
        TOTPDevice.objects.filter(user_id=device.user_id, throttling_failure_count__gt=0).exclude(
            pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
