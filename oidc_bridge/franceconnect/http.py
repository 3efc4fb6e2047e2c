"""Server-to-server HTTP for our OIDC clients (FranceConnect client, simulator hub, demo site).

Real deployments reach FranceConnect over the network, by settings alone. Tests (and nothing
else) install a `requests` transport adapter that routes calls into the Django app in-process,
so the whole protocol runs without a network: see `install_adapter`.
"""

import requests
from authlib.integrations.requests_client import OAuth2Session
from requests.adapters import BaseAdapter

# (connect, read) seconds: FranceConnect answers in well under a second; a stuck provider must
# end on the "FranceConnect ne répond pas" page, not hang the aidant's browser.
TIMEOUT = (3.05, 10)
_adapter: BaseAdapter | None = None


def install_adapter(adapter: BaseAdapter | None) -> BaseAdapter | None:
    """Route every outgoing call through `adapter` (tests only); returns the previous one."""
    global _adapter
    previous, _adapter = _adapter, adapter
    return previous


def _mount(session: requests.Session) -> requests.Session:
    if _adapter is not None:
        session.mount("http://", _adapter)
        session.mount("https://", _adapter)
    return session


def session() -> requests.Session:
    return _mount(requests.Session())


def oauth_session(**kwargs) -> OAuth2Session:
    """An authlib OAuth 2 client session (RFC 6749) using the current transport."""
    return _mount(OAuth2Session(**kwargs))


def get(url: str, **kwargs) -> requests.Response:
    with session() as http:
        return http.get(url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
