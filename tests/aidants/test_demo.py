"""Demo accounts (`seed_demo`) and `manage.py demo_code`."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from aidants import demo
from aidants.models import Aidant, Membership, Organisation, TOTPDevice
from aidants.siret import is_valid_siret
from tests.aidants.helpers import post_password, totp_code


def test_seed_is_idempotent_and_explains_itself(db):
    lines = demo.seed(stdout=StringIO())
    demo.seed(stdout=StringIO())
    organisation = Organisation.objects.get(name=demo.DEMO_STRUCTURE)
    assert organisation.is_active and is_valid_siret(organisation.siret)
    assert Aidant.objects.filter(email__endswith="@demoville.example").count() == 4
    assert TOTPDevice.objects.filter(user__email__endswith="@demoville.example").count() == 4
    assert Aidant.objects.get(email="equipe.nationale@demoville.example").is_staff
    assert Aidant.objects.get(email="auditrice@demoville.example").is_auditor
    assert Membership.objects.get(aidant__email="referente@demoville.example").role == "referent"
    text = "\n".join(lines)
    assert demo.DEMO_PASSWORD in text and "demo_code" in text
    assert "aidant@demoville.example" in text


def test_demo_code_prints_the_current_code_and_logs_in(client, db, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC), tick=False)
    demo.seed(stdout=StringIO())
    out = StringIO()
    call_command("demo_code", "Aidant@Demoville.example", stdout=out, stderr=StringIO())
    code = out.getvalue().strip()
    assert code == totp_code(demo.demo_key("aidant@demoville.example"))
    post_password(client, "aidant@demoville.example", demo.DEMO_PASSWORD)
    assert client.post("/connexion/code/", {"code": code})["Location"] == "/"


def test_demo_code_refuses_unknown_accounts(db):
    with pytest.raises(CommandError, match="n'est pas un compte de démonstration"):
        call_command("demo_code", "quelquun@structure.example")


@override_settings(PRODUCTION=True)
def test_demo_code_refuses_production(db):
    with pytest.raises(CommandError, match="interdit en production"):
        call_command("demo_code", "aidant@demoville.example")
