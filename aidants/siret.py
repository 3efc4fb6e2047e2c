"""SIRET validation: 14 digits and the Luhn checksum, with La Poste's documented exception.

INSEE: La Poste's establishments (SIREN 356 000 000) do not satisfy Luhn; their SIRET is valid
when the sum of its 14 digits is a multiple of 5. The head office 356 000 000 00048 satisfies Luhn.
"""

LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_siret(raw: str) -> str:
    return "".join(raw.split())


def is_valid_siret(raw: str) -> bool:
    siret = normalise_siret(raw)
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if luhn_ok(siret):
        return True
    if siret.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in siret) % 5 == 0
    return False


def validate_siret(raw: str) -> None:
    from django.core.exceptions import ValidationError

    siret = normalise_siret(raw)
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        raise ValidationError("Le SIRET doit comporter exactement 14 chiffres.",
                              code="siret_format")
    if not is_valid_siret(siret):
        raise ValidationError("Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte). "
                              "Vérifiez-le sur votre avis de situation INSEE.",
                              code="siret_checksum")
