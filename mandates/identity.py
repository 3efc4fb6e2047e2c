"""The seam between the mandate wizard and FranceConnect (implemented by `oidc_bridge`).

The wizard sends the aidant's browser to the URL named `oidc_bridge:fc_login` (by name, never
by import). After verifying the tokens, the bridge builds a `VerifiedIdentity` and calls
`store_verified_identity(request, identity)`, then redirects to `mandates:create_recap`. Nothing
is written to the database until the recap is confirmed, so a failed or abandoned
FranceConnect login leaves no half-created usager.
"""

from dataclasses import asdict, dataclass

SESSION_KEY = "mandates.verified_identity"


@dataclass(frozen=True)
class VerifiedIdentity:
    """The usager's identity as FranceConnect returned it (the "identité pivot")."""

    issuer: str
    sub: str
    given_name: str
    family_name: str
    birthdate: str  # YYYY-MM-DD, or presumed YYYY-MM-00 / YYYY-00-00
    gender: str = ""
    birthplace: str = ""  # INSEE commune code; empty when born abroad
    birthcountry: str = "99100"
    preferred_username: str = ""
    email: str = ""
    acr: str = ""

    def to_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict) -> "VerifiedIdentity":
        return cls(**data)


def store_verified_identity(request, identity: VerifiedIdentity) -> None:
    request.session[SESSION_KEY] = identity.to_session()


def pop_verified_identity(request) -> VerifiedIdentity | None:
    data = request.session.pop(SESSION_KEY, None)
    return VerifiedIdentity.from_session(data) if data else None


def peek_verified_identity(request) -> VerifiedIdentity | None:
    data = request.session.get(SESSION_KEY)
    return VerifiedIdentity.from_session(data) if data else None
