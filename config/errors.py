"""The 500 handler, which answers 503 when the failure is the database refusing service.

Django turns an exception raised anywhere in the middleware chain into a response through
`handler500`, inside the `except` block, so `sys.exc_info()` still names the exception here.
A database that is unreachable, restarting, out of disk or read-only (`default_transaction_
read_only`, a read-only SQLite file) is an outage, not a bug: the person gets a French 503 page
saying nothing was recorded (true: every business write is one transaction with its journal
entry, rolled back as a whole) and a `Retry-After` (RFC 9110 15.6.4). The page is rendered
without the request so that no context processor touches the database.
"""

import logging
import sys

from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# SQLSTATE 25006 read_only_sql_transaction (PostgreSQL), wrapped by Django as InternalError.
READ_ONLY_SQLSTATE = "25006"


def _unavailable(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, InternalError):
        return getattr(exc.__cause__, "sqlstate", None) == READ_ONLY_SQLSTATE
    return False


def database_unavailable(exc: BaseException | None) -> bool:
    """True for errors meaning "the database cannot serve now", not for programming errors.

    Follows the chain of exceptions: Django's SessionMiddleware turns a session it cannot save
    (read-only database) into SessionInterrupted (a 400), raised while handling UpdateError,
    itself raised while handling the DatabaseError.
    """
    seen = 0
    while exc is not None and seen < 5:
        if _unavailable(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


# Protocol clients (relying parties) read JSON, not a page: `temporarily_unavailable` is the
# OAuth error for this (RFC 6749 4.1.2.1), reused at the token and userinfo endpoints.
PROTOCOL_URL_NAMES = ("oidc_bridge:provider_token", "oidc_bridge:provider_userinfo")


def _for_protocol_client(request) -> bool:
    if request is None:
        return False
    try:
        return request.path in {reverse(name) for name in PROTOCOL_URL_NAMES}
    except NoReverseMatch:
        return False


def unavailable_response(request=None) -> HttpResponse:
    if _for_protocol_client(request):
        response = JsonResponse({"error": "temporarily_unavailable", "error_description":
                                 "Service momentanément indisponible"}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request) -> HttpResponse:
    """`handler500`: 503 for a database outage, the French 500 page otherwise."""
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        logger.warning("database unavailable: %s", type(exc).__name__)
        return unavailable_response(request)
    return HttpResponseServerError(render_to_string("500.html"))


def bad_request(request, exception) -> HttpResponse:
    """`handler400`: the French 400 page, or 503 when a session could not be saved because the
    database refuses writes (every page touches the session: read-only would look like 400)."""
    if database_unavailable(exception):
        logger.warning("database unavailable while saving the session")
        return unavailable_response(request)
    return HttpResponseBadRequest(render_to_string("400.html"))
