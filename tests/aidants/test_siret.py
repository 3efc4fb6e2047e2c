import pytest
from django.core.exceptions import ValidationError

from aidants.siret import is_valid_siret, validate_siret


@pytest.mark.parametrize("siret", [
    "73282932000074",      # a real-format Luhn-valid SIRET
    "732 829 320 00074",   # spaces are tolerated
    "35600000000048",      # La Poste head office (Luhn-valid)
    "35600000049837",      # La Poste establishment: Luhn fails, digit sum multiple of 5
])
def test_valid_sirets(siret):
    assert is_valid_siret(siret)
    validate_siret(siret)


@pytest.mark.parametrize("siret,code", [
    ("73282932000075", "siret_checksum"),
    ("35600000049838", "siret_checksum"),   # La Poste, digit sum not a multiple of 5
    ("1234", "siret_format"),
    ("7328293200007A", "siret_format"),
    ("７３２８２９３２０００７４", "siret_format"),  # full-width digits are not ASCII digits
    ("", "siret_format"),
])
def test_invalid_sirets(siret, code):
    assert not is_valid_siret(siret)
    with pytest.raises(ValidationError) as excinfo:
        validate_siret(siret)
    assert excinfo.value.code == code
