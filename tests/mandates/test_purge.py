from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.events import EventType
from audit.models import Entry
from audit.sequencer import sequence_pending
from audit.verification import verify_database
from mandates import services
from mandates.identity import VerifiedIdentity
from mandates.models import Mandate, Usager
from tests import factories

YEAR = timedelta(days=365)


def make_mandate(aidant, organisation, sub="c" * 64, duration="1d"):
    identity = VerifiedIdentity(issuer="http://testserver/fc", sub=sub, given_name="Lucie",
                                family_name="Garnier", birthdate="1944-05-06", email="l@g.example")
    return services.mandate_create(aidant=aidant, organisation=organisation, identity=identity,
                                   demarches=["social"], duration=duration,
                                   usager_consent=True, aidant_consent=True)


def purge(*args) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue().strip()


def test_erases_after_retention_and_journal_still_verifies(aidant, organisation, time_machine):
    mandate = make_mandate(aidant, organisation)
    usager = mandate.usager
    time_machine.move_to(mandate.expires_at + YEAR - timedelta(minutes=1), tick=False)
    assert purge() == "0 usager(s) effacé(s) sur 0 concerné(s) (conservation : 365 jours)."
    time_machine.move_to(mandate.expires_at + YEAR, tick=False)
    assert purge("--dry-run").startswith("1 usager(s) seraient effacé(s)")
    assert Usager.objects.get().erased_at is None
    assert purge() == "1 usager(s) effacé(s) sur 1 concerné(s) (conservation : 365 jours)."
    usager.refresh_from_db()
    assert usager.erased_at == timezone.now()
    assert (usager.given_name, usager.family_name, usager.birthdate, usager.email,
            usager.search_name) == ("", "", "", "", "")
    assert usager.fc_sub == f"erased:{usager.pk}"
    assert usager.display_name == "Usager effacé"
    [erased] = Entry.objects.filter(event_type=EventType.USAGER_ERASED)
    assert erased.usager_id == usager.pk and erased.actor_name == "purge_expired"
    assert Entry.objects.filter(event_type=EventType.PERSONAL_DATA_ERASED,
                                usager_id=usager.pk).exists()
    identified = Entry.objects.get(event_type=EventType.USAGER_IDENTIFIED)
    assert identified.personal is None  # the identity left the journal too
    assert Mandate.objects.get().usager_id == usager.pk  # rows kept for the journal's sake
    assert purge() == "0 usager(s) effacé(s) sur 0 concerné(s) (conservation : 365 jours)."
    sequence_pending()
    assert verify_database().ok


def test_active_mandate_elsewhere_protects(aidant, organisation, time_machine):
    old = make_mandate(aidant, organisation)
    other = factories.AidantFactory()
    time_machine.move_to(old.expires_at + YEAR - timedelta(days=10), tick=False)
    recent = make_mandate(other, other.current_structure, duration="1m")
    time_machine.move_to(old.expires_at + YEAR + timedelta(days=1), tick=False)
    assert purge().startswith("0 usager(s)")
    time_machine.move_to(recent.expires_at + YEAR, tick=False)
    assert purge().startswith("1 usager(s)")


def test_revocation_counts_as_end(aidant, organisation, time_machine, settings):
    settings.USAGER_RETENTION = timedelta(days=30)
    mandate = make_mandate(aidant, organisation, duration="12m")
    services.mandate_revoke(mandate=mandate, actor=aidant, reason="Fin")
    time_machine.move_to(timezone.now() + timedelta(days=30), tick=False)
    assert purge() == "1 usager(s) effacé(s) sur 1 concerné(s) (conservation : 30 jours)."


def test_usager_without_mandate_untouched_and_bad_setting(db, settings):
    factories.UsagerFactory()
    assert purge().startswith("0 usager(s)")
    settings.USAGER_RETENTION = timedelta(0)
    with pytest.raises(CommandError, match="USAGER_RETENTION"):
        purge()


def test_reidentified_usager_is_restored(aidant, organisation, time_machine):
    mandate = make_mandate(aidant, organisation)
    time_machine.move_to(mandate.expires_at + YEAR, tick=False)
    purge()
    again = make_mandate(aidant, organisation)
    assert again.usager_id != mandate.usager_id  # the erased row no longer matches the sub
    assert again.usager.family_name == "Garnier"
