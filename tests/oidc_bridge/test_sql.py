"""The token and userinfo endpoints' precompiled statements (`oidc_bridge.sql`) give exactly what
the ORM gives: same rows, same values, and the same answer to "is this authorisation usable"."""


import pytest
from django.db import transaction
from django.utils import timezone

from oidc_bridge import selectors, sql
from oidc_bridge.models import AccessToken, AuthorizationCode
from oidc_bridge.protocol.validation import parse_authorization_request
from oidc_bridge.services import delegated_login_start, token_exchange
from tests import factories
from tests.oidc_bridge import provider_kit as kit


def _fields(instance, names=None):
    names = names or [f.attname for f in type(instance)._meta.concrete_fields]
    return {name: getattr(instance, name) for name in names}


@pytest.fixture
def issued(aidant, rp, mandate, usager):
    request = parse_authorization_request(kit.authorize_params(), kit.REDIRECT_URI)
    code, row = delegated_login_start(aidant=aidant, client=rp, request=request,
                                      usager_id=usager.pk, demarche="social",
                                      auth_time=timezone.now(), acr="eidas1", amr=["pwd", "otp"])
    return code, row


def test_client_code_and_its_relations_are_the_orms(issued, rp):
    code, row = issued
    client, found = sql.client_and_code(rp.client_id, selectors.sha256_hex(code))
    orm = AuthorizationCode.objects.select_related("client", "usager", "structure",
                                                   "aidant").get(pk=row.pk)
    assert _fields(client) == _fields(orm.client)
    assert found.client is client
    assert _fields(found) == _fields(orm)
    for relation in ("client", "usager", "structure"):
        assert _fields(getattr(found, relation)) == _fields(getattr(orm, relation))
    # The aidant comes with their names only: never the password hash.
    assert _fields(found.aidant, ["id", "first_name", "last_name"]) == _fields(
        orm.aidant, ["id", "first_name", "last_name"])
    assert "password" in found.aidant.get_deferred_fields()


def test_client_and_code_without_a_code_of_that_clients(issued, rp):
    code, _ = issued
    other = kit.register("other-site")
    client, found = sql.client_and_code(rp.client_id, "0" * 64)
    assert _fields(client) == _fields(type(rp).objects.get(pk=rp.pk)) and found is None
    assert sql.client_and_code(rp.client_id, "")[1] is None
    assert sql.client_and_code("nobody", selectors.sha256_hex(code)) == (None, None)
    # Another client's code is not found, like an unknown one.
    client, found = sql.client_and_code(other.client_id, selectors.sha256_hex(code))
    assert client.pk == other.pk and found is None
    rp.is_active = False
    rp.save()
    assert sql.client_and_code(rp.client_id, selectors.sha256_hex(code)) == (None, None)


def test_access_token_row_and_lookup_are_the_orms(issued, rp):
    code, row = issued
    client, found = selectors.client_and_code(rp.client_id, code)
    token, access = token_exchange(client=client, code=found, redirect_uri=kit.REDIRECT_URI,
                                   code_verifier="")
    orm = AccessToken.objects.get(pk=access.pk)
    assert _fields(access) == _fields(orm)
    assert orm.token_sha256 == selectors.sha256_hex(token) and orm.code_id == row.pk
    found = sql.access_token(selectors.sha256_hex(token))
    assert _fields(found) == _fields(orm)
    assert _fields(found.code) == _fields(AuthorizationCode.objects.get(pk=row.pk))
    assert found.code.client.client_id == rp.client_id and found.is_valid()
    assert sql.access_token("0" * 64) is None


def test_active_client_ignores_inactive_ones(rp):
    assert _fields(sql.active_client(rp.client_id)) == _fields(type(rp).objects.get(pk=rp.pk))
    rp.is_active = False
    rp.save()
    assert sql.active_client(rp.client_id) is None


@pytest.mark.parametrize("state", ["active", *kit.UNUSABLE_STATES, "other_structure",
                                   "other_usager"])
def test_usable_predicate_is_the_selectors(state, organisation, mandate, usager):
    now = timezone.now()
    authorisation = mandate.authorisations.get(demarche="social")
    kit.make_unusable(state, mandate=mandate, usager=usager, authorisation=authorisation, now=now)
    structure_id = factories.OrganisationFactory().pk if state == "other_structure" \
        else organisation.pk
    usager_id = factories.UsagerFactory().pk if state == "other_usager" else usager.pk
    orm = selectors.usable_authorisations(structure_id=structure_id, usager_id=usager_id,
                                          at=now).filter(pk=authorisation.pk).exists()
    raw = sql.usable_authorisation_exists(authorisation_id=authorisation.pk,
                                          structure_id=structure_id, usager_id=usager_id, at=now)
    assert raw == orm == (state == "active")


@pytest.mark.parametrize("state", ["active", "revoked", "erased"])
def test_consume_code_marks_it_used_only_when_usable(state, issued, mandate, usager):
    _, row = issued
    now = timezone.now()
    kit.make_unusable(state, mandate=mandate, usager=usager, authorisation=row.authorisation,
                      now=now)
    assert sql.consume_code(row, at=now) is (state == "active")
    row.refresh_from_db()
    assert (row.used_at == now) is (state == "active")
    assert sql.consume_code(row, at=now) is False  # never twice


@pytest.mark.parametrize("state", ["active", "revoked", "erased"])
def test_consume_code_for_token_writes_the_token_only_when_it_consumed(state, issued, mandate,
                                                                     usager):
    _, row = issued
    now = timezone.now()
    kit.make_unusable(state, mandate=mandate, usager=usager, authorisation=row.authorisation,
                      now=now)
    later = now + timezone.timedelta(minutes=1)
    with transaction.atomic():
        token = sql.consume_code_for_token(row, token_sha256="a" * 64, at=now, expires_at=later)
    usable = state == "active"
    assert (token is not None) is usable
    assert AccessToken.objects.filter(code=row).count() == int(usable)
    if usable:
        assert _fields(token) == _fields(AccessToken.objects.get(code=row))
    with transaction.atomic():  # never twice
        assert sql.consume_code_for_token(row, token_sha256="b" * 64, at=now,
                                          expires_at=later) is None
    assert AccessToken.objects.filter(code=row).count() == int(usable)


def test_inserted_code_is_the_row_the_orm_reads_back(issued):
    _, row = issued  # delegated_login_start wrote it through sql.insert_code
    orm = AuthorizationCode.objects.get(pk=row.pk)
    assert not row._state.adding and row.pk == orm.pk
    assert _fields(row) == _fields(orm)
    assert orm.requested_rep_scope == row.requested_rep_scope and orm.amr == ["pwd", "otp"]
