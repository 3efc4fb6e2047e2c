"""OpenID Provider metadata (OIDC Discovery 1.0 section 3; RFC 8414 2; RFC 9207 3)."""

from oidc_bridge.protocol.claims import SUPPORTED_CLAIMS, SUPPORTED_SCOPES
from oidc_bridge.protocol.jose import ASYMMETRIC_ALGS


def provider_metadata(*, issuer: str, authorization_endpoint: str, token_endpoint: str,
                      userinfo_endpoint: str, jwks_uri: str, end_session_endpoint: str,
                      acr_values: list[str]) -> dict:
    """Our discovery document. `issuer` must equal the `iss` of every token we sign."""
    return {
        "issuer": issuer,
        "authorization_endpoint": authorization_endpoint,
        "token_endpoint": token_endpoint,
        "userinfo_endpoint": userinfo_endpoint,
        "jwks_uri": jwks_uri,
        "end_session_endpoint": end_session_endpoint,
        "scopes_supported": list(SUPPORTED_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": list(ASYMMETRIC_ALGS),
        "userinfo_signing_alg_values_supported": list(ASYMMETRIC_ALGS),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": list(SUPPORTED_CLAIMS),
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "acr_values_supported": acr_values,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
    }
