"""Identité pivot formats and token checks, without Django views."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from oidc_bridge.franceconnect import tokens
from oidc_bridge.franceconnect.errors import FranceConnectError
from oidc_bridge.franceconnect.pivot import identity_from_claims, is_valid_birthdate

BASE = {"sub": "a" * 64 + "v1", "given_name": "Jean-François  Éric", "family_name": "Lefèvre",
        "birthdate": "1958-11-03", "gender": "male", "birthplace": "35238",
        "birthcountry": "99100", "preferred_username": "", "email": "jf@exemple.test"}


@pytest.mark.parametrize(("value", "valid"), [
    ("1958-11-03", True), ("1946-00-00", True), ("1946-07-00", True), ("2000-02-29", True),
    ("1946-00-12", False), ("1946-13-00", False), ("1999-02-29", False), ("1946-1-1", False),
    ("19460101", False), ("", False),
])
def test_birthdate_formats(value, valid):
    assert is_valid_birthdate(value) is valid


def test_identity_keeps_formats_and_normalises_spaces():
    identity = identity_from_claims(BASE, issuer="https://fc", acr="eidas1")
    assert identity.given_name == "Jean-François Éric"
    assert (identity.birthdate, identity.birthplace, identity.birthcountry) == (
        "1958-11-03", "35238", "99100")
    assert identity.issuer == "https://fc" and identity.acr == "eidas1"


@pytest.mark.parametrize("change", [
    {"birthplace": "2A004"}, {"birthplace": "2b033"}, {"birthplace": "97411"},
    {"birthplace": "", "birthcountry": "99350"}, {"birthdate": "1946-00-00"},
    {"preferred_username": None, "email": None, "gender": None},
])
def test_accepted_variants(change):
    identity = identity_from_claims({**BASE, **change}, issuer="i", acr="eidas1")
    assert identity.birthplace == (change.get("birthplace", "35238") or "").upper()


@pytest.mark.parametrize("change", [
    {"birthplace": ""},  # born in France without a commune
    {"birthplace": "2C004"}, {"birthplace": "3523"}, {"birthplace": "75107",
                                                      "birthcountry": "99350"},
    {"birthcountry": "100"}, {"birthdate": "1946-02-30"}, {"gender": "autre"},
    {"family_name": " "}, {"given_name": None}, {"sub": ""}, {"family_name": ["x"]},
    {"given_name": "x" * 256},
])
def test_refused_variants(change):
    with pytest.raises(FranceConnectError) as raised:
        identity_from_claims({**BASE, **change}, issuer="i", acr="eidas1")
    assert raised.value.reason == "identity_invalid"


def test_invalid_email_is_dropped_not_fatal():
    identity = identity_from_claims({**BASE, "email": "pas une adresse"}, issuer="i", acr="x")
    assert identity.email == ""


@pytest.mark.parametrize(("received", "requested", "ok"), [
    ("eidas1", "eidas1", True), ("eidas3", "eidas2", True), ("eidas1", "eidas2", False),
    (None, "eidas1", False), ("EIDAS1", "eidas1", False), ("eidas1", "unknown", False),
])
def test_acr_order(received, requested, ok):
    assert tokens.acr_satisfies(received, requested) is ok


def _claims(**change):
    now = int(time.time())
    claims = {"iss": "https://fc/api/v2", "aud": "me", "sub": "s", "exp": now + 60,
              "iat": now, "nonce": "n" * 43, "acr": "eidas1"}
    claims.update(change)
    return {k: v for k, v in claims.items() if v is not None}


def _verify(token, keys):
    return tokens.verify_id_token(token, keys=keys, issuer="https://fc/api/v2",
                                  client_id="me", nonce="n" * 43, acr="eidas1")


def test_rs256_accepted_and_azp_rules():
    key = RSAKey.generate_key(2048, parameters={"kid": "r1"})
    keys = KeySet([key])
    sign = lambda **c: jwt.encode({"alg": "RS256", "kid": "r1"}, _claims(**c), key)  # noqa: E731
    assert _verify(sign(), keys)["sub"] == "s"
    assert _verify(sign(aud=["me", "other"], azp="me"), keys)["sub"] == "s"
    with pytest.raises(FranceConnectError) as raised:
        _verify(sign(aud=["me", "other"], azp="other"), keys)
    assert raised.value.reason == "wrong_audience"


@pytest.mark.parametrize(("change", "reason"), [
    ({"exp": -31}, "token_expired"),  # times: seconds from now, resolved when the test runs
    ({"iat": None}, "malformed_token"),
    ({"sub": None}, "malformed_token"),
    ({"iat": 120}, "malformed_token"),  # issued in the future
    ({"iss": None}, "malformed_token"),
    ({"aud": None}, "malformed_token"),
])
def test_time_and_required_claims(change, reason):
    now = int(time.time())
    change = {name: now + value if name in ("exp", "iat") and value is not None else value
              for name, value in change.items()}
    key = ECKey.generate_key("P-256", parameters={"kid": "e1"})
    token = jwt.encode({"alg": "ES256", "kid": "e1"}, _claims(**change), key)
    with pytest.raises(FranceConnectError) as raised:
        _verify(token, KeySet([key]))
    assert raised.value.reason == reason


def test_leeway_tolerates_small_clock_skew():
    key = ECKey.generate_key("P-256", parameters={"kid": "e1"})
    token = jwt.encode({"alg": "ES256", "kid": "e1"},
                       _claims(exp=int(time.time()) - 20), key)
    assert _verify(token, KeySet([key]))["acr"] == "eidas1"


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", None])
def test_malformed(token):
    with pytest.raises(FranceConnectError) as raised:
        _verify(token, KeySet([ECKey.generate_key("P-256")]))
    assert raised.value.reason == "malformed_token"
