"""Test support for the FranceConnect client and simulator (no network).

`DjangoAdapter` is a `requests` transport adapter that forwards server-to-server calls (token,
userinfo, discovery, JWKS) to the Django app in-process through `django.test.Client`, so the
whole protocol runs inside the test's database transaction. `rewrite` hooks let negative tests
tamper with a provider's answers (forged tokens), `fail` simulates an unreachable provider.

`Browser` follows redirects across "sites" (all served by the same app on SITE_URL's host).
"""

import base64
import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from oidc_bridge.franceconnect import http

Rewriter = Callable[[requests.PreparedRequest, requests.Response], requests.Response | None]


class DjangoAdapter(BaseAdapter):
    def __init__(self):
        super().__init__()
        self.rewriters: list[tuple[str, Rewriter]] = []
        self.unreachable: set[str] = set()
        self.calls: list[tuple[str, str]] = []

    def rewrite(self, path_suffix: str, rewriter: Rewriter) -> None:
        self.rewriters.append((path_suffix, rewriter))

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        url = urlsplit(request.url)
        self.calls.append((request.method, url.path))
        if any(url.path.endswith(suffix) for suffix in self.unreachable):
            raise requests.ConnectionError("simulated: provider unreachable")
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("content-length", "content-type", "host")}
        headers["host"] = url.netloc
        answer = Client().generic(
            request.method, url.path + (f"?{url.query}" if url.query else ""),
            data=request.body or b"",
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            headers=headers)
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(answer.headers.items())
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        for suffix, rewriter in self.rewriters:
            if url.path.endswith(suffix):
                response = rewriter(request, response) or response
        return response

    def close(self):
        pass


@pytest.fixture
def fc_http(db):
    """Route every server-to-server call into the app; yields the adapter."""
    cache.clear()
    adapter = DjangoAdapter()
    previous = http.install_adapter(adapter)
    yield adapter
    http.install_adapter(previous)
    cache.clear()


def location(response) -> str:
    assert response.status_code in (301, 302), (response.status_code, response.content[:500])
    return response["Location"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def follow(client: Client, url: str, **kwargs):
    """GET an absolute URL of our site (any of its "sites") with the browser's cookies."""
    return client.get(path_of(url), **kwargs)


def json_body(response: requests.Response) -> dict:
    return json.loads(response.content)


def set_json(response: requests.Response, data: dict) -> requests.Response:
    response._content = json.dumps(data).encode()
    return response


def unverified_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
