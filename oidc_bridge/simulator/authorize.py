"""Authorization request checks shared by the simulated providers (OIDC Core 3.1.2.1-2).

An unknown client or a redirect URI that is not an exact registered match gets an error page,
never a redirect (RFC 6749 4.1.2.1); other errors go back to the client with `error` and `state`.
"""

from dataclasses import dataclass

from oidc_bridge.simulator.oidc import EIDAS_LEVELS, Provider, authorize_error_url

# FranceConnect refuses nonces shorter than 22 characters.
MIN_NONCE = 22
PARAMS = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
          "acr_values", "prompt", "claims")


class Refused(Exception):
    """Not redirectable: show `message` on the provider's own page."""


@dataclass(frozen=True)
class AuthRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str
    nonce: str
    acr: str
    params: dict  # what to carry in the form of the choice page

    def error_url(self, error: str) -> str:
        return authorize_error_url(self.redirect_uri, error, self.state)


def parse(provider: Provider, data) -> tuple[AuthRequest, str | None]:
    """Return the request and, if it must be refused by redirect, the error redirect URL."""
    params = {name: data.get(name, "") for name in PARAMS}
    client = provider.clients.get(params["client_id"])
    if client is None:
        raise Refused("Fournisseur de service inconnu.")
    if params["redirect_uri"] not in client.redirect_uris:
        raise Refused("L'adresse de retour ne correspond pas à celle enregistrée.")
    requested = params["acr_values"].split()
    acr = next((level for level in requested if level in EIDAS_LEVELS), "")
    request = AuthRequest(params["client_id"], params["redirect_uri"], params["scope"],
                          params["state"], params["nonce"], acr, params)
    if params["response_type"] != "code":
        return request, request.error_url("unsupported_response_type")
    if "openid" not in params["scope"].split():
        return request, request.error_url("invalid_scope")
    if not params["state"] or len(params["nonce"]) < MIN_NONCE or not acr:
        return request, request.error_url("invalid_request")
    return request, None
