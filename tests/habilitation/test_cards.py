"""TOTP card stock: CSV import (all-or-nothing, line numbers), attribution, confirmation, loss."""

from base64 import b32encode
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from aidants import crypto
from aidants.models import TOTPDevice
from audit.events import EventType
from audit.models import Entry
from habilitation import services
from habilitation.cardcsv import decode_secret, parse_cards
from habilitation.errors import CardImportError, HabilitationError, NotAllowedError
from habilitation.models import TOTPCard
from tests import factories
from tests.habilitation.conftest import CARD_KEY, card_code

pytestmark = pytest.mark.django_db
HEX = "00112233445566778899aabbccddeeff00112233"
B32 = b32encode(bytes(range(20))).decode()


def test_decode_secret_hex_and_base32():
    assert decode_secret(HEX) == bytes.fromhex(HEX)
    assert decode_secret(B32.lower()) == bytes(range(20))
    assert decode_secret(B32.rstrip("=")) == bytes(range(20))
    with pytest.raises(ValueError, match="illisible"):
        decode_secret("pas-un-secret!!")
    with pytest.raises(ValueError, match="trop court"):
        decode_secret("00112233")


def test_parse_reports_each_bad_line_with_its_number():
    text = ("serial,secret,step\n"
            f"A1,{HEX},60\n"
            "A2,zz!!,60\n"
            f"A3,{HEX},45\n"
            f"A1,{B32},30\n"
            "\n"
            f"A5,{HEX}\n"
            "A6\n")
    cards, errors = parse_cards(text)
    assert [c.serial for c in cards] == ["A1", "A5"]
    assert cards[1].step == 60
    assert [line for line, _ in errors] == [3, 4, 5, 8]
    messages = dict(errors)
    assert "illisible" in messages[3]
    assert "30 ou 60" in messages[4]
    assert "double (déjà ligne 2)" in messages[5]
    assert "colonne" in messages[8]


def test_parse_accepts_semicolons_and_refuses_empty_file():
    cards, errors = parse_cards(f"B1;{HEX};30\r\nB2;{B32};60\r\n")
    assert not errors and [c.step for c in cards] == [30, 60]
    assert parse_cards("serial,secret,step\n")[1] == [(1, "le fichier ne contient aucune carte")]


def test_import_stores_encrypted_secrets_and_journals(organisation, referent, staff,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cards = services.cards_import(organisation=organisation, actor=staff,
                                      csv_text=f"C1,{HEX},60\nC2,{B32},30\n")
    assert [c.serial for c in cards] == ["C1", "C2"]
    stored = TOTPCard.objects.get(serial="C1")
    assert HEX not in stored.encrypted_key
    assert crypto.decrypt(stored.encrypted_key) == bytes.fromhex(HEX)
    assert stored.organisation == organisation and stored.status == TOTPCard.Status.AVAILABLE
    [entry] = Entry.objects.filter(event_type=EventType.CARDS_IMPORTED)
    assert entry.payload["count"] == 2 and entry.structure_id == organisation.pk
    assert HEX not in str(entry.payload) and B32 not in str(entry.payload)
    assert mail.outbox[0].to == [referent.email]


def test_import_is_all_or_nothing(organisation, staff, stock_card):
    text = f"D1,{HEX},60\nD2,{HEX},90\n{stock_card.serial},{HEX},60\n"
    with pytest.raises(CardImportError) as excinfo:
        services.cards_import(organisation=organisation, actor=staff, csv_text=text)
    assert [line for line, _ in excinfo.value.errors] == [2, 3]
    assert "existe déjà" in dict(excinfo.value.errors)[3]
    assert not TOTPCard.objects.filter(serial__startswith="D").exists()
    assert not Entry.objects.filter(event_type=EventType.CARDS_IMPORTED).exists()


def test_import_refuses_serial_already_on_a_device(organisation, staff, aidant):
    factories.TOTPDeviceFactory(user=aidant, kind=TOTPDevice.Kind.CARD, card_serial="E1")
    with pytest.raises(CardImportError) as excinfo:
        services.cards_import(organisation=organisation, actor=staff, csv_text=f"E1,{HEX},60\n")
    assert excinfo.value.errors[0][0] == 1


def test_only_staff_import(organisation, referent):
    with pytest.raises(NotAllowedError):
        services.cards_import(organisation=organisation, actor=referent, csv_text=f"F,{HEX},60")


def test_assign_and_confirm_creates_confirmed_card_device(
        stock_card, aidant, referent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.card_assign(card=stock_card, aidant=aidant, actor=referent)
        card = services.card_confirm(card=stock_card, code=card_code(), actor=referent)
    assert card.status == TOTPCard.Status.ACTIVE
    device = TOTPDevice.objects.get(card_serial=stock_card.serial)
    assert device.user == aidant and device.confirmed and device.kind == TOTPDevice.Kind.CARD
    assert device.step == 60 and device.bin_key == CARD_KEY
    assert not device.verify_token(card_code())  # the confirmation code cannot be replayed
    for event in (EventType.CARD_ASSIGNED, EventType.CARD_CONFIRMED):
        assert Entry.objects.filter(event_type=event,
                                    structure_id=card.organisation_id).count() == 1
    assert {m.subject for m in mail.outbox} == {"Une carte TOTP vous a été attribuée",
                                                "Votre carte TOTP est active"}


def test_wrong_code_is_refused_counted_and_throttled(stock_card, aidant, referent,
                                                     time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    services.card_assign(card=stock_card, aidant=aidant, actor=referent)
    with pytest.raises(HabilitationError, match="Code incorrect"):
        services.card_confirm(card=stock_card, code="000000" if card_code() != "000000"
                              else "111111", actor=referent)
    stock_card.refresh_from_db()
    assert stock_card.confirm_failures == 1 and stock_card.status == TOTPCard.Status.ASSIGNED
    with pytest.raises(HabilitationError, match="Trop d'essais"):
        services.card_confirm(card=stock_card, code=card_code(), actor=referent)
    time_machine.shift(timedelta(seconds=2))
    assert services.card_confirm(card=stock_card, code=card_code(),
                                 actor=referent).status == TOTPCard.Status.ACTIVE
    assert not Entry.objects.filter(event_type=EventType.CARD_CONFIRMED).count() != 1


def test_assign_refusals(stock_card, aidant, other_referent, referent):
    with pytest.raises(NotAllowedError):
        services.card_assign(card=stock_card, aidant=aidant, actor=other_referent)
    with pytest.raises(NotAllowedError):
        services.card_assign(card=stock_card, aidant=other_referent, actor=referent)
    with pytest.raises(NotAllowedError):
        services.card_assign(card=stock_card, aidant=aidant, actor=aidant)
    assert TOTPCard.objects.get(pk=stock_card.pk).status == TOTPCard.Status.AVAILABLE


def test_lost_card_removes_device_and_ends_its_use(stock_card, aidant, referent,
                                                   django_capture_on_commit_callbacks):
    services.card_assign(card=stock_card, aidant=aidant, actor=referent)
    services.card_confirm(card=stock_card, code=card_code(), actor=referent)
    with django_capture_on_commit_callbacks(execute=True):
        card = services.card_report_lost(card=stock_card, actor=aidant, reason="tombée")
    assert card.status == TOTPCard.Status.LOST and card.device is None
    assert not TOTPDevice.objects.filter(card_serial=stock_card.serial).exists()
    [entry] = Entry.objects.filter(event_type=EventType.CARD_LOST)
    assert entry.payload["aidant_id"] == aidant.pk and entry.actor_aidant_id == aidant.pk
    assert {tuple(m.to) for m in mail.outbox} == {(aidant.email,), (referent.email,)}
    with pytest.raises(HabilitationError):
        services.card_report_lost(card=stock_card, actor=referent)


def test_deactivate_card(stock_card, aidant, referent, other_referent):
    services.card_assign(card=stock_card, aidant=aidant, actor=referent)
    services.card_confirm(card=stock_card, code=card_code(), actor=referent)
    with pytest.raises(NotAllowedError):
        services.card_deactivate(card=stock_card, actor=other_referent)
    with pytest.raises(NotAllowedError):
        services.card_deactivate(card=stock_card, actor=aidant)
    card = services.card_deactivate(card=stock_card, actor=referent)
    assert card.status == TOTPCard.Status.DEACTIVATED
    assert not TOTPDevice.objects.filter(card_serial=stock_card.serial).exists()
    assert Entry.objects.filter(event_type=EventType.CARD_DEACTIVATED).count() == 1
    with pytest.raises(HabilitationError, match="déjà désactivée"):
        services.card_deactivate(card=stock_card, actor=referent)
