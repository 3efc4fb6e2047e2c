"""Our identity provider driven by panva's `openid-client`, configured as FranceConnect does.

Runs whenever Node.js is on PATH (`npm ci` from the committed package-lock.json installs the
library into tests/oidc_bridge/node/node_modules, kept out of git).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from oidc_bridge.models import AuthorizationCode
from tests import factories
from tests.conftest import login_with_otp
from tests.oidc_bridge import provider_kit as kit
from tests.oidc_bridge.provider_kit import fresh_keyring  # noqa: F401  (autouse fixture)

NODE_DIR = Path(__file__).parent / "node"
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="Node.js (node and npm) is not on PATH: the openid-client conformance test needs it")


@pytest.fixture(scope="session")
def node_modules():
    if not (NODE_DIR / "node_modules" / "openid-client").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                       timeout=600, capture_output=True)
    return NODE_DIR / "node_modules"


def run_client(env: dict, aidant) -> dict:
    """Run the node relying party; log the aidant in whenever it reaches our login page."""
    process = subprocess.Popen(["node", "fc_client.mjs"], cwd=NODE_DIR, env=env, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    logins = 0
    try:
        for line in process.stdout:
            message = json.loads(line)
            if "need_login" not in message:
                message["logins"] = logins
                return message
            logins += 1
            session = login_with_otp(Client(), aidant).cookies[settings.SESSION_COOKIE_NAME]
            process.stdin.write(json.dumps({"cookie": f"{session.key}={session.value}"}) + "\n")
            process.stdin.flush()
        raise AssertionError(process.stderr.read())
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.parametrize("alg, userinfo", [("ES256", "jwt"), ("RS256", "json")])
def test_openid_client_as_franceconnect(node_modules, live_server, transactional_db, settings,
                                        alg, userinfo):
    settings.OIDC_ISSUER = live_server.url
    organisation = factories.OrganisationFactory()
    aidant = factories.AidantFactory(structure=organisation)
    factories.TOTPDeviceFactory(user=aidant)
    usager = factories.UsagerFactory(birthdate="1961-00-00", birthplace="2A004")
    factories.MandateFactory(organisation=organisation, usager=usager,
                             demarches=["social", "logement"])
    kit.register(alg=alg, userinfo=userinfo)
    env = {"PATH": shutil.os.environ["PATH"], "ISSUER": live_server.url,
           "CLIENT_ID": "fc-hub", "CLIENT_SECRET": kit.SECRET, "REDIRECT_URI": kit.REDIRECT_URI,
           "POST_LOGOUT_URI": kit.LOGOUT_URI, "ALG": alg,
           "USERINFO_ALG": alg if userinfo == "jwt" else "", "USAGER_ID": str(usager.pk),
           "DEMARCHE": "logement", "REP_SCOPE": "logement,famille",
           "LOGIN_PATH": reverse("aidants:login")}
    result = run_client(env, aidant)
    assert "failure" not in result, result.get("failure")
    assert result["logins"] == 1  # prompt=login forced exactly one login, no loop
    assert result["issuer"] == live_server.url and result["iss_param"] == live_server.url
    assert result["header"]["alg"] == alg and result["header"]["kid"]
    claims = result["claims"]
    assert claims["acr"] == "eidas1" and claims["rep_scope"] == ["logement"]
    assert claims["birthdate"] == "1961-00-00" and claims["birthplace"] == "2A004"
    assert claims["act"]["structure"]["siret"] == organisation.siret
    assert result["userinfo"]["sub"] == claims["sub"]
    assert result["userinfo"]["family_name"] == usager.family_name
    assert result["replayError"] == "invalid_grant"
    assert result["userinfoAfterReplay"] == "invalid_token"
    assert result["logout_status"] == 302
    assert result["logout_location"] == f"{kit.LOGOUT_URI}?state={result['logout_state']}"
    assert AuthorizationCode.objects.get().ended_at is not None
