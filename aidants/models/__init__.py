from aidants.models.accounts import (
    Aidant,
    Membership,
    Organisation,
    OrganisationType,
)
from aidants.models.devices import BackupCode, BackupCodeDevice, TOTPDevice
from aidants.models.sessions import AidantSession

__all__ = [
    "Aidant",
    "AidantSession",
    "BackupCode",
    "BackupCodeDevice",
    "Membership",
    "Organisation",
    "OrganisationType",
    "TOTPDevice",
]
