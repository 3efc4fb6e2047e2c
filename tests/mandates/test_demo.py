import io

from aidants import demo as aidants_demo
from audit.events import EventType
from audit.models import Entry
from habilitation import demo as habilitation_demo
from mandates import demo
from mandates.models import Mandate, Usager


def test_seed_is_idempotent_and_populates_the_space(db):
    aidants_demo.seed(stdout=io.StringIO())
    habilitation_demo.seed(stdout=io.StringIO())
    first = demo.seed(stdout=io.StringIO())
    assert len(first) == 1 + len(demo.DEMO_USAGERS)
    assert Usager.objects.count() == 3
    assert Mandate.objects.active().count() == 3
    assert Mandate.objects.get(usager__fc_sub="demo-usager-3").authorisations.get(
        demarche="argent").revoked_at is not None
    assert Entry.objects.filter(event_type=EventType.MANDATE_CREATED).count() == 3
    again = demo.seed(stdout=io.StringIO())
    assert all("déjà présent" in line for line in again[1:])
    assert Mandate.objects.count() == 3


def test_seed_without_habilitation_says_so(db):
    aidants_demo.seed(stdout=io.StringIO())
    lines = demo.seed(stdout=io.StringIO())
    assert "non créés" in lines[-1] and "habilité" in lines[-1]
    assert not Mandate.objects.exists()


def test_seed_without_demo_structure_says_so(db):
    [line] = demo.seed(stdout=io.StringIO())
    assert "absent" in line
