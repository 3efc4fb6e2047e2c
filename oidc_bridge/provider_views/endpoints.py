"""Machine-facing endpoints: discovery, JWKS, token, userinfo, end_session.

Thin: parse the HTTP request, call the protocol helpers and services, shape the response. Errors
follow RFC 6749 5.2 (token), RFC 6750 3 (userinfo) and OIDC RP-Initiated Logout 1.0 (end_session).
"""

import logging

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.actor import Actor
from oidc_bridge import issuance, keys, selectors, services
from oidc_bridge.models import UserinfoFormat
from oidc_bridge.protocol import client_auth, discovery, jose
from oidc_bridge.protocol.errors import OAuthError
from oidc_bridge.protocol.validation import redirect_with, single_params
from oidc_bridge.provider_views.responses import error_page, json_response, oauth_error

logger = logging.getLogger(__name__)
PUBLIC_CACHE = "public, max-age=300"


def endpoint_url(name: str) -> str:
    """Absolute URL of one of our endpoints; the issuer is an origin (OIDC Discovery 4)."""
    return settings.OIDC_ISSUER + reverse(f"oidc_bridge:{name}")


@require_GET
def discovery_view(request):
    metadata = discovery.provider_metadata(
        issuer=settings.OIDC_ISSUER,
        authorization_endpoint=endpoint_url("provider_authorize"),
        token_endpoint=endpoint_url("provider_token"),
        userinfo_endpoint=endpoint_url("provider_userinfo"),
        jwks_uri=endpoint_url("provider_jwks"),
        end_session_endpoint=endpoint_url("provider_end_session"),
        acr_values=[settings.FRANCECONNECT_ACR])
    return json_response(metadata, cache=PUBLIC_CACHE,
                         headers={"Access-Control-Allow-Origin": "*"})


@require_GET
def jwks_view(request):
    return json_response(keys.keyring().jwks(), cache=PUBLIC_CACHE,
                         headers={"Access-Control-Allow-Origin": "*"})


def _authenticate_client(request, form: dict):
    """RFC 6749 2.3.1: the client and its secret, compared as SHA-256 digests in constant time.

    Returns (client, the row of the code it sent, if that code is its own, else None): both
    come from one query, and the code is used only once the client is authenticated."""
    credentials = client_auth.extract_credentials(request.META.get("HTTP_AUTHORIZATION", ""),
                                                  form)
    client, code = selectors.client_and_code(credentials.client_id, form.get("code", ""))
    stored = client.secret_sha256 if client else ""
    if not client_auth.secret_matches(credentials.secret, stored) or client is None:
        raise client_auth.invalid_client(credentials.method)
    return client, code


@csrf_exempt
@require_POST
@never_cache
@sensitive_post_parameters("client_secret", "code", "code_verifier")
def token_view(request):
    try:
        form = single_params(dict(request.POST.lists()))
        client, code = _authenticate_client(request, form)
        if form.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "Seul authorization_code est accepté")
        token, access = services.token_exchange(
            client=client, code=code,
            redirect_uri=form.get("redirect_uri", ""),
            code_verifier=form.get("code_verifier", ""))
        body = issuance.token_response(access.code, token)
    except OAuthError as error:
        logger.info("token endpoint refused: %s", error.error)
        return oauth_error(error)
    return json_response(body)


def _bearer(request) -> str:
    """RFC 6750 2.1: `Authorization: Bearer <token>` (the only method we accept)."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _invalid_token(description: str) -> HttpResponse:
    challenge = f'Bearer error="invalid_token", error_description="{description}"'
    return json_response({"error": "invalid_token", "error_description": description},
                         status=401, headers={"WWW-Authenticate": challenge})


@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def userinfo_view(request):
    token = _bearer(request)
    if not token:
        # RFC 6750 3.1: no credentials at all gets a bare challenge, without an error code.
        return json_response({"error": "invalid_request"}, status=401,
                             headers={"WWW-Authenticate": 'Bearer realm="oidc"'})
    access = selectors.valid_access_token(token)
    if access is None:
        return _invalid_token("Jeton invalide, expiré ou révoqué")
    claims = issuance.userinfo_claims(access)
    if access.code.client.userinfo_format == UserinfoFormat.JWT:
        response = HttpResponse(issuance.userinfo_jwt(access, claims),
                                content_type="application/jwt")
        response["Cache-Control"] = "no-store"
        return response
    return json_response(claims)


def _hinted_session(hint: str):
    """The (client, delegated session) named by an `id_token_hint` we signed, or (None, None)."""
    try:
        claims = jose.verify_own_token(hint, keys.keyring().public_keyset(),
                                       issuer=settings.OIDC_ISSUER)
    except jose.JWTVerificationError:
        return None, None
    client = selectors.active_client(claims.get("aud") if isinstance(claims.get("aud"), str)
                                     else "")
    code = selectors.delegated_session(str(claims.get("sid", ""))) if client else None
    if code is None or code.client_id != client.pk:
        return client, None
    return client, code


@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def end_session_view(request):
    """OIDC RP-Initiated Logout 1.0: end the delegated session; redirect only to an exactly
    registered `post_logout_redirect_uri`, with the same `state`."""
    try:
        params = single_params(dict((request.POST or request.GET).lists()))
    except OAuthError:
        return error_page(request, title="Déconnexion impossible",
                          message="La demande de déconnexion est mal formée.")
    client, code = _hinted_session(params.get("id_token_hint", ""))
    if code is not None:
        actor = request.user if request.user.is_authenticated else Actor.system(
            f"oidc:{client.client_id}"[:64])
        services.delegated_session_end(code=code, actor=actor)
    target = params.get("post_logout_redirect_uri", "")
    if target and client is not None and target in client.post_logout_redirect_uris:
        return redirect(redirect_with(target, {"state": params.get("state") or None}))
    if target:
        return error_page(request, title="Déconnexion effectuée",
                          message="Le retour vers le site demandeur est impossible : son adresse "
                                  "de retour n'est pas enregistrée chez nous.")
    return error_page(request, title="Déconnexion effectuée", status=200,
                      message="La connexion pour le compte de l'usager est terminée.")
