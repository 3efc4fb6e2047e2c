"""Protocol errors, carried as exceptions and turned into responses by the views."""

from dataclasses import dataclass, field


@dataclass
class OAuthError(Exception):
    """An error a client can read: `error` code (RFC 6749 4.1.2.1, 5.2; OIDC Core 3.1.2.6).

    `status` matters for the token endpoint (400, or 401 for invalid_client, RFC 6749 5.2).
    """

    error: str
    description: str = ""
    status: int = 400
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.error}: {self.description}"

    def as_dict(self) -> dict:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


class UntrustedRedirectError(Exception):
    """Unknown client or a redirect URI that is not registered verbatim.

    RFC 6749 4.1.2.1 and RFC 9700 4.1: the authorization server MUST NOT redirect in this case;
    it informs the resource owner (here, the aidant) on its own page.
    """
