"""FranceConnect login for the mandate wizard: start, callback, return from logout."""

import logging

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aidants.decorators import aidant_required, fresh_otp_required
from mandates.identity import VerifiedIdentity, store_verified_identity
from oidc_bridge.franceconnect import client, flow, pivot, provider, services
from oidc_bridge.franceconnect.errors import FranceConnectError, Reason, message_for
from oidc_bridge.franceconnect.provider import ProviderMetadata

logger = logging.getLogger(__name__)

_STATUS = {Reason.CANCELLED: 200, Reason.UNREACHABLE: 502}


def _fail(request, cfg: client.ClientConfig, exc: FranceConnectError):
    # Reason only: the detail may quote provider output; never tokens or identity.
    logger.info("FranceConnect login failed: %s", exc.reason)
    services.fc_login_fail(actor=request.user, issuer=cfg.issuer, reason=exc.reason)
    return render(request, "oidc_bridge/franceconnect/failure.html",
                  {"message": message_for(exc.reason), "reason": exc.reason},
                  status=_STATUS.get(exc.reason, 400))


@require_GET
@never_cache
@fresh_otp_required
def fc_login(request):
    """Send the aidant's browser to FranceConnect so the usager logs in there."""
    cfg = client.franceconnect_config()
    try:
        meta = provider.metadata(cfg.issuer)
    except FranceConnectError as exc:
        return _fail(request, cfg, exc)
    pending = flow.begin(request.session)
    services.fc_login_start(actor=request.user, issuer=cfg.issuer, acr=cfg.acr)
    return redirect(client.authorization_url(cfg, meta, state=pending.state,
                                             nonce=pending.nonce))


def _complete(request, cfg: client.ClientConfig) -> tuple[VerifiedIdentity, str, ProviderMetadata]:
    params = request.GET
    pending = flow.consume(request.session, params.get("state"))
    if params.get("error"):
        # RFC 6749 4.1.2.1; FranceConnect answers access_denied when the usager cancels.
        cancelled = params["error"] == "access_denied"
        raise FranceConnectError(Reason.CANCELLED if cancelled else Reason.PROVIDER_ERROR)
    if params.get("iss") and params["iss"] != cfg.issuer:
        # RFC 9207 2.4: an authorization response naming another issuer is a mix-up attack.
        raise FranceConnectError(Reason.WRONG_ISSUER, "authorization response iss")
    if not params.get("code"):
        raise FranceConnectError(Reason.CODE_MISSING)
    meta = provider.metadata(cfg.issuer)
    id_claims, userinfo, id_token = client.verified_claims(cfg, meta, params["code"],
                                                           pending.nonce)
    identity = pivot.identity_from_claims(userinfo, issuer=cfg.issuer, acr=id_claims["acr"])
    return identity, id_token, meta


@require_GET
@never_cache
@aidant_required
def fc_callback(request):
    """Verify what FranceConnect sent, keep the identity for the recap, end the FC session."""
    cfg = client.franceconnect_config()
    try:
        identity, id_token, meta = _complete(request, cfg)
    except FranceConnectError as exc:
        return _fail(request, cfg, exc)
    store_verified_identity(request, identity)
    services.fc_login_succeed(actor=request.user, identity=identity)
    if not meta.end_session_endpoint:
        return redirect("mandates:create_recap")
    # The usager logged in on the aidant's device: end their FranceConnect session now.
    state = flow.begin_logout(request.session)
    return redirect(client.end_session_url(cfg, meta, id_token=id_token, state=state))


@require_GET
@never_cache
@aidant_required
def fc_logout_callback(request):
    """Back from FranceConnect's session/end: continue to the mandate recap."""
    if not flow.consume_logout(request.session, request.GET.get("state")):
        # The identity was verified already; a missing or odd logout state is only noted.
        logger.warning("FranceConnect logout returned without the expected state")
    return redirect("mandates:create_recap")
