"""Response helpers shared by the provider views."""

import json

from django.http import HttpResponse
from django.shortcuts import render

from oidc_bridge.protocol.errors import OAuthError

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_response(body: dict, *, status: int = 200, headers: dict | None = None,
                  cache: str | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    for name, value in {**(NO_STORE if cache is None else {"Cache-Control": cache}),
                        **(headers or {})}.items():
        response[name] = value
    return response


def oauth_error(error: OAuthError) -> HttpResponse:
    """RFC 6749 5.2 JSON error, no-store, plus any challenge header (401 invalid_client)."""
    return json_response(error.as_dict(), status=error.status, headers=error.extra)


def error_page(request, *, title: str, message: str, status: int = 400) -> HttpResponse:
    return render(request, "oidc_bridge/provider/error.html",
                  {"title": title, "message": message}, status=status)
