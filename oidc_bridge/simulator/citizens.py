"""The simulator's test citizens, in FranceConnect's formats (identité pivot).

They cover what real data brings: accents and compound first names, a usage name, a presumed
birth date (1946-00-00), a birth abroad (empty birthplace, non-French country code), a birth in
Corsica (INSEE 2A...). Invented people; e-mails on a reserved domain.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Citizen:
    key: str
    given_name: str
    family_name: str
    birthdate: str
    gender: str
    birthplace: str
    birthcountry: str
    preferred_username: str = ""
    email: str = ""
    note: str = ""

    def claims(self) -> dict:
        data = asdict(self)
        data.pop("key")
        data.pop("note")
        return data


CITIZENS: tuple[Citizen, ...] = (
    Citizen("angela", "Angela Claire Louise", "Dubois", "1962-08-24", "female", "75107", "99100",
            email="angela.dubois@exemple.test", note="Née à Paris 7e"),
    Citizen("jean-francois", "Jean-François Éric", "Lefèvre", "1958-11-03", "male", "35238",
            "99100", email="jf.lefevre@exemple.test", note="Né à Rennes"),
    Citizen("helene", "Hélène Marie", "Martin", "1946-00-00", "female", "59350", "99100",
            preferred_username="Rousseau", email="helene.rousseau@exemple.test",
            note="Date de naissance présumée (jour et mois inconnus), nom d'usage Rousseau"),
    Citizen("youssef", "Youssef Karim", "El Amrani", "1979-04-12", "male", "", "99350",
            email="youssef.elamrani@exemple.test", note="Né au Maroc (99350)"),
    Citizen("marie-ange", "Marie-Ange", "Santoni", "1992-02-29", "female", "2A004", "99100",
            email="marie-ange.santoni@exemple.test", note="Née à Ajaccio (Corse-du-Sud, 2A004)"),
    Citizen("zoe", "Zoé", "N'Diaye", "2001-12-00", "female", "", "99341",
            email="zoe.ndiaye@exemple.test", note="Née au Sénégal (99341), jour présumé"),
)
BY_KEY = {citizen.key: citizen for citizen in CITIZENS}
