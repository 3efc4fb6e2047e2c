"""The state between the two login steps, and the glue to django-axes.

After a correct e-mail + password the session holds only a *pending* login (the aidant's id,
when it started, where to go next); the aidant is not logged in until a one-time code is
accepted. A pending login expires after `PENDING_LIFETIME`.
"""

from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_lockout_response
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from aidants.models import Aidant

PENDING_KEY = "procuration.pending_login"
PENDING_LIFETIME = timedelta(minutes=10)


def safe_next(request, candidate: str | None, default: str | None = None) -> str:
    """`candidate` if it stays on this site (no open redirect), else `default` or the home."""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default or reverse("aidants:home")


def client_ip(request) -> str | None:
    return get_client_ip_address(request)


def start_pending(request, aidant: Aidant, backend: str, next_url: str) -> None:
    # A new session key before the second step: a session id planted before the password was
    # typed cannot be used to finish this login (OWASP session fixation).
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"aidant_id": aidant.pk, "backend": backend,
                                    "started_at": timezone.now().isoformat(), "next": next_url}


def read_pending(request) -> tuple[Aidant, dict] | None:
    """The aidant awaiting their code (still active, pending not expired), or None."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    started_at = datetime.fromisoformat(pending["started_at"])
    if timezone.now() - started_at > PENDING_LIFETIME:
        clear_pending(request)
        return None
    aidant = Aidant.objects.filter(pk=pending["aidant_id"], is_active=True).first()
    if aidant is None:
        clear_pending(request)
        return None
    return aidant, pending


def clear_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


def _credentials(username: str) -> dict:
    return {settings.AXES_USERNAME_FORM_FIELD: username}


def count_failure(request, username: str) -> None:
    """Count a wrong one-time code toward the (username, IP) lockout, like a wrong password.

    django-axes listens to `user_login_failed`; when this failure reaches the limit it marks
    the request locked out and `AxesMiddleware` answers with the lockout page (HTTP 429).
    """
    user_login_failed.send(sender=__name__, credentials=_credentials(username), request=request)


def is_locked_out(request) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(request, username: str):
    """The French lockout page with HTTP 429 (AXES_LOCKOUT_TEMPLATE, AXES_HTTP_RESPONSE_CODE)."""
    return get_lockout_response(request, None, _credentials(username))


def refuse_if_locked(request, username: str):
    """The lockout response (429) if the (username, IP) pair is locked, else None.

    Mirrors `AxesStandaloneBackend`: the refused attempt is signalled so axes reports it
    (`user_locked_out`, journaled) without restarting the cool-off period.
    """
    credentials = _credentials(username)
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    request.axes_locked_out = True
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return get_lockout_response(request, None, credentials)
