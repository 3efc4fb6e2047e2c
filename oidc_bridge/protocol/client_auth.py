"""Client authentication at the token endpoint (RFC 6749 2.3.1; OIDC Core 9).

`client_secret_basic` and `client_secret_post`; one method per request (RFC 6749 2.3).
Secrets are compared as SHA-256 digests in constant time: the stored value is a digest, and
`hmac.compare_digest` keeps the comparison time independent of where the digests differ.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from oidc_bridge.protocol.errors import OAuthError


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    secret: str
    method: str  # "client_secret_basic" | "client_secret_post"


def invalid_client(method: str, description: str = "Authentification du client refusée"
                   ) -> OAuthError:
    """RFC 6749 5.2: 401 and a WWW-Authenticate challenge when the client used HTTP Basic."""
    extra = {"WWW-Authenticate": 'Basic realm="oidc"'} if method == "client_secret_basic" else {}
    return OAuthError("invalid_client", description, status=401, extra=extra)


def parse_basic(header: str) -> tuple[str, str] | None:
    """RFC 6749 2.3.1 / RFC 7617: Basic base64(urlencode(id):urlencode(secret))."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        # ValueError: a non-ASCII header value (b64decode of a str with non-ASCII characters).
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def extract_credentials(authorization: str, form: Mapping[str, str]) -> ClientCredentials:
    """Read the client's credentials from the Authorization header or the form body."""
    basic = parse_basic(authorization) if authorization else None
    if authorization and basic is None:
        raise invalid_client("client_secret_basic", "En-tête Authorization illisible")
    if basic and "client_secret" in form:
        raise OAuthError("invalid_request", "Une seule méthode d'authentification du client")
    if basic:
        form_id = form.get("client_id")
        if form_id and form_id != basic[0]:
            raise invalid_client("client_secret_basic")
        return ClientCredentials(basic[0], basic[1], "client_secret_basic")
    if form.get("client_id") and form.get("client_secret"):
        return ClientCredentials(form["client_id"], form["client_secret"], "client_secret_post")
    raise invalid_client("client_secret_post", "Client non authentifié")


def secret_matches(secret: str, stored_sha256: str) -> bool:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return hmac.compare_digest(digest, stored_sha256 or "")
