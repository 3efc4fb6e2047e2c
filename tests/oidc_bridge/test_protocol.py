"""The protocol package on its own (no Django): PKCE, validation, client auth, JOSE, claims."""

import base64
import hashlib
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

from oidc_bridge.protocol import claims, client_auth, jose, pkce, validation
from oidc_bridge.protocol.errors import OAuthError, UntrustedRedirectError

ISS = "https://procuration.example"


def test_pkce_s256_matches_rfc7636_appendix_b():
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pkce.verify(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert not pkce.verify(verifier[:-1] + "Y", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert not pkce.verify("short", pkce.s256("short"))  # RFC 7636 4.1: 43 characters minimum


@pytest.mark.parametrize("uri", [
    "https://rp.example/cb/", "https://RP.example/cb", "https://rp.example/cb?x=1",
    "https://other.example/cb", "https://rp.example/cb#frag", "", "https://rp.example/CB",
])
def test_redirect_uri_must_match_exactly(uri):
    with pytest.raises(UntrustedRedirectError):
        validation.check_client_redirect({"redirect_uri": uri}, ["https://rp.example/cb"])


def test_unknown_client_is_untrusted():
    with pytest.raises(UntrustedRedirectError):
        validation.check_client_redirect({"redirect_uri": "https://rp.example/cb"}, None)


@pytest.mark.parametrize("uri, allow_http, ok", [
    ("https://rp.example/cb", False, True), ("http://127.0.0.1:8000/cb", False, True),
    ("http://rp.example/cb", False, False), ("http://rp.example/cb", True, True),
    ("https://rp.example/cb#x", True, False), ("/relative", True, False),
    ("javascript:alert(1)", True, False),
])
def test_redirect_uri_registration_syntax(uri, allow_http, ok):
    assert (validation.validate_redirect_uri_syntax(uri, allow_http=allow_http) == "") is ok


BASE = {"client_id": "c", "response_type": "code", "scope": "openid profile", "state": "s" * 32,
        "nonce": "n" * 32}


def parse(**changes):
    params = {**BASE, **changes}
    return validation.parse_authorization_request(
        {k: v for k, v in params.items() if v is not None}, "https://rp.example/cb")


@pytest.mark.parametrize("changes, error", [
    ({"nonce": None}, "invalid_request"), ({"state": None}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "a" * 43}, "invalid_request"),  # no method means plain (RFC 7636 4.3)
    ({"code_challenge": "bad!", "code_challenge_method": "S256"}, "invalid_request"),
    ({"prompt": "none login"}, "invalid_request"), ({"prompt": "bogus"}, "invalid_request"),
    ({"max_age": "-1"}, "invalid_request"), ({"claims": "{not json"}, "invalid_request"),
    ({"claims": json.dumps({"id_token": {"rep_scope": {"values": "social"}}})},
     "invalid_request"),
    ({"request": "eyJ..."}, "request_not_supported"),
    ({"response_mode": "fragment"}, "invalid_request"),
])
def test_authorization_request_errors(changes, error):
    with pytest.raises(OAuthError) as caught:
        parse(**changes)
    assert caught.value.error == error


def test_authorization_request_reads_franceconnect_parameters():
    request = parse(prompt="login consent", max_age="300", acr_values="eidas1",
                    code_challenge=pkce.s256("v" * 43), code_challenge_method="S256",
                    claims=json.dumps({"id_token": {"rep_scope": {
                        "essential": True, "values": ["social", "logement"]}}}))
    assert request.prompt == {"login", "consent"} and request.max_age == 300
    assert request.rep_scope == ("social", "logement") and request.rep_scope_essential
    assert request.acr_values == ("eidas1",) and request.code_challenge == pkce.s256("v" * 43)
    assert parse().rep_scope is None


def test_repeated_parameters_are_refused():
    with pytest.raises(OAuthError):
        validation.single_params({"state": ["a", "b"]})
    assert validation.single_params({"state": ["a"], "x": ["1", "2"]}) == {"state": "a", "x": "1"}


def test_error_redirect_keeps_the_registered_query_and_adds_state_and_iss():
    url = validation.error_redirect("https://rp.example/cb?tenant=7",
                                    OAuthError("access_denied", "Refusé"), state="xyz", issuer=ISS)
    assert url == ("https://rp.example/cb?tenant=7&error=access_denied&error_description=Refus"
                   "%C3%A9&state=xyz&iss=https%3A%2F%2Fprocuration.example")


def test_client_secret_basic_is_form_url_decoded():
    raw = base64.b64encode(b"client%3Aid:s%C3%A9cret+x").decode()
    assert client_auth.parse_basic(f"Basic {raw}") == ("client:id", "sécret x")
    assert client_auth.parse_basic("Basic !!!") is None
    assert client_auth.parse_basic("Bearer abc") is None


def test_one_client_authentication_method_per_request():
    raw = base64.b64encode(b"c:s").decode()
    with pytest.raises(OAuthError) as caught:
        client_auth.extract_credentials(f"Basic {raw}", {"client_secret": "s"})
    assert caught.value.error == "invalid_request"
    with pytest.raises(OAuthError) as caught:
        client_auth.extract_credentials("", {"client_id": "c"})
    assert caught.value.error == "invalid_client" and caught.value.status == 401
    with pytest.raises(OAuthError) as caught:
        client_auth.extract_credentials("Basic ???", {})
    assert caught.value.extra["WWW-Authenticate"].startswith("Basic")


def test_secret_comparison_is_on_sha256_digests():
    stored = hashlib.sha256(b"right").hexdigest()
    assert client_auth.secret_matches("right", stored)
    assert not client_auth.secret_matches("wrong", stored)
    assert not client_auth.secret_matches("right", "")


def test_at_hash_is_left_half_of_sha256():
    digest = hashlib.sha256(b"token-value").digest()[:16]
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert jose.at_hash("token-value", "ES256") == expected == jose.at_hash("token-value", "RS256")
    with pytest.raises(ValueError):
        jose.at_hash("token-value", "HS256")


@pytest.fixture(scope="module")
def ec_key():
    return jose.with_kid(ECKey.generate_key("P-256"))


@pytest.fixture(scope="module")
def rsa_key():
    return jose.with_kid(RSAKey.generate_key(2048))


@pytest.fixture(scope="module")
def jwks(ec_key, rsa_key):
    return KeySet.import_key_set(jose.public_jwks([ec_key, rsa_key]))


def good_claims(**changes):
    now = int(time.time())
    return {"iss": ISS, "aud": "client", "exp": now + 60, "iat": now, "nonce": "n", **changes}


@pytest.mark.parametrize("key_name", ["ec_key", "rsa_key"])
def test_signed_token_carries_kid_and_verifies(request, key_name, jwks):
    key = request.getfixturevalue(key_name)
    token = jose.sign(good_claims(), key)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": jose.alg_for_key(key), "kid": key.kid, "typ": "JWT"}
    claims_ = jose.verify(token, jwks, issuer=ISS, audience="client", now=time.time(), nonce="n")
    assert claims_["aud"] == "client"


def _unsigned(claims_: dict, header: dict) -> str:
    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{b64(header)}.{b64(claims_)}."


def test_alg_none_is_refused(jwks, ec_key):
    token = _unsigned(good_claims(), {"alg": "none", "kid": ec_key.kid})
    with pytest.raises(jose.JWTVerificationError, match="Algorithme refusé"):
        jose.verify(token, jwks, issuer=ISS, audience="client", now=time.time())


def test_hs256_is_refused_even_with_a_public_key_as_secret(jwks, ec_key):
    # The classic confusion attack: HMAC keyed with the public key's bytes.
    secret = OctKey.import_key(json.dumps(ec_key.as_dict(private=False)).encode())
    token = jwt.encode({"alg": "HS256", "kid": ec_key.kid}, good_claims(), secret,
                       algorithms=["HS256"])
    with pytest.raises(jose.JWTVerificationError, match="Algorithme refusé"):
        jose.verify(token, jwks, issuer=ISS, audience="client", now=time.time())


def test_unknown_or_missing_kid_is_refused(jwks):
    stranger = jose.with_kid(ECKey.generate_key("P-256"))
    with pytest.raises(jose.JWTVerificationError, match="kid inconnu"):
        jose.verify(jose.sign(good_claims(), stranger), jwks, issuer=ISS, audience="client",
                    now=time.time())
    no_kid = jwt.encode({"alg": "ES256"}, good_claims(), stranger, algorithms=["ES256"])
    with pytest.raises(jose.JWTVerificationError, match="kid absent"):
        jose.verify(no_kid, jwks, issuer=ISS, audience="client", now=time.time())


def test_key_of_wrong_type_for_alg_is_refused(jwks, ec_key, rsa_key):
    # RS256 header naming the EC key's kid.
    token = jwt.encode({"alg": "RS256", "kid": ec_key.kid}, good_claims(), rsa_key,
                       algorithms=["RS256"])
    with pytest.raises(jose.JWTVerificationError, match="Type de clé"):
        jose.verify(token, jwks, issuer=ISS, audience="client", now=time.time())


def test_pinned_algorithms_are_enforced(jwks, rsa_key):
    token = jose.sign(good_claims(), rsa_key)
    with pytest.raises(jose.JWTVerificationError, match="Algorithme refusé"):
        jose.verify(token, jwks, issuer=ISS, audience="client", now=time.time(),
                    algorithms=["ES256"])


def test_tampered_signature_is_refused(jwks, ec_key):
    token = jose.sign(good_claims(), ec_key)
    head, body, sig = token.split(".")
    forged_body = base64.urlsafe_b64encode(
        json.dumps(good_claims(aud="client", sub="autre")).encode()).rstrip(b"=").decode()
    with pytest.raises(jose.JWTVerificationError, match="Signature"):
        jose.verify(f"{head}.{forged_body}.{sig}", jwks, issuer=ISS, audience="client",
                    now=time.time())


@pytest.mark.parametrize("changes, message", [
    ({"iss": "https://evil.example"}, "iss"), ({"aud": "other"}, "aud"),
    ({"exp": int(time.time()) - 120}, "expiré"), ({"nonce": "other"}, "nonce"),
])
def test_claim_checks(jwks, ec_key, changes, message):
    token = jose.sign(good_claims(**changes), ec_key)
    with pytest.raises(jose.JWTVerificationError, match=message):
        jose.verify(token, jwks, issuer=ISS, audience="client", now=time.time(), nonce="n")


def test_pairwise_sub_is_stable_per_sector_and_opaque():
    a = claims.pairwise_sub("secret", "sector-a", "usager:1")
    assert a == claims.pairwise_sub("secret", "sector-a", "usager:1") and len(a) == 66
    assert a != claims.pairwise_sub("secret", "sector-b", "usager:1")
    assert a != claims.pairwise_sub("other", "sector-a", "usager:1")


def test_scopes_release_franceconnect_claims():
    identity = {"given_name": "Ana", "family_name": "Silva", "birthdate": "1970-00-00",
                "gender": "female", "birthplace": "", "birthcountry": "99139",
                "preferred_username": "", "email": "c@s.example", "email_source": "structure"}
    assert claims.identity_claims(identity, ["openid"]) == {}
    assert claims.identity_claims(identity, ["openid", "birth"]) == {
        "birthplace": "", "birthcountry": "99139"}
    released = claims.identity_claims(identity, "openid profile email birth".split())
    assert released == identity


def test_protocol_package_does_not_import_django():
    from pathlib import Path

    import oidc_bridge.protocol as package

    for module in Path(package.__file__).parent.glob("*.py"):
        source = module.read_text()
        assert "import django" not in source and "from django" not in source, module.name
