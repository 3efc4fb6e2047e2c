"""`services.expired_grants_purge` and `manage.py oidc_purge_expired`: expired codes and tokens
are deleted after the retention delay, live ones never; the purge is journaled."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.events import EventType
from audit.models import Entry
from oidc_bridge import selectors, services
from oidc_bridge.models import AccessToken, AuthorizationCode
from oidc_bridge.protocol.validation import parse_authorization_request
from tests.oidc_bridge import provider_kit as kit


@pytest.fixture
def grant(aidant, rp, mandate, usager):
    """Issue one code and redeem it for a token, as of now; returns (code row, token row)."""
    def make(redeem=True):
        request = parse_authorization_request(kit.authorize_params(), kit.REDIRECT_URI)
        code, row = services.delegated_login_start(
            aidant=aidant, client=rp, request=request, usager_id=usager.pk, demarche="social",
            auth_time=timezone.now(), acr="eidas1", amr=["pwd", "otp"])
        if not redeem:
            return row, None
        client, found = selectors.client_and_code(rp.client_id, code)
        _, access = services.token_exchange(client=client, code=found,
                                            redirect_uri=kit.REDIRECT_URI, code_verifier="")
        return row, access
    return make


def _purged_entries():
    return Entry.objects.filter(event_type=EventType.GRANTS_PURGED)


def test_only_grants_expired_before_the_limit_go(grant, settings):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=10), tick=False):
        old_code, old_token = grant()
        unused_code, _ = grant(redeem=False)
    with time_machine.travel(start - timedelta(days=1), tick=False):
        recent_code, recent_token = grant()
    live_code, live_token = grant()
    before = start - settings.OIDC_GRANT_RETENTION
    codes, tokens = services.expired_grants_purge(before=before, actor=None)
    assert (codes, tokens) == (2, 1)
    assert set(AuthorizationCode.objects.values_list("pk", flat=True)) == {recent_code.pk,
                                                                           live_code.pk}
    assert set(AccessToken.objects.values_list("pk", flat=True)) == {recent_token.pk,
                                                                     live_token.pk}
    entry = _purged_entries().get()
    assert entry.payload == {"codes": 2, "tokens": 1, "expired_before": before.isoformat()}
    assert entry.actor_kind == "system"
    # The journal's record of the purged use is kept.
    assert Entry.objects.filter(event_type=EventType.DELEGATED_LOGIN,
                                mandate_id=old_code.mandate_id).count() == 4


def test_a_code_whose_token_still_lives_is_kept(grant, settings):
    code, token = grant()
    AccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=30))
    AuthorizationCode.objects.filter(pk=code.pk).update(
        expires_at=timezone.now() - timedelta(days=30), created_at=timezone.now() - timedelta(
            days=31))
    assert services.expired_grants_purge(before=timezone.now() - timedelta(days=7),
                                         actor=None) == (0, 0)
    assert AccessToken.objects.filter(pk=token.pk).exists()


def test_command_prints_one_line_and_dry_run_writes_nothing(grant):
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        grant()
    out = StringIO()
    call_command("oidc_purge_expired", "--dry-run", stdout=out)
    assert "1 code(s)" in out.getvalue() and "rien n'a été modifié" in out.getvalue()
    assert AuthorizationCode.objects.count() == 1 and not _purged_entries().exists()
    out = StringIO()
    call_command("oidc_purge_expired", stdout=out)
    assert out.getvalue().strip() == ("1 code(s) et 1 jeton(s) supprimé(s) (expirés depuis "
                                      "plus de 7 jours).")
    assert AuthorizationCode.objects.count() == 0 and _purged_entries().count() == 1


def test_command_refuses_a_retention_that_is_not_positive(db, settings):
    settings.OIDC_GRANT_RETENTION = timedelta(0)
    with pytest.raises(CommandError, match="OIDC_GRANT_RETENTION"):
        call_command("oidc_purge_expired")
    assert not _purged_entries().exists()
