"""Who did it: an aidant acting in a structure, or the system itself."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # "aidant" | "system"
    aidant_id: int | None = None
    structure_id: int | None = None
    name: str = ""

    @classmethod
    def aidant(cls, aidant, structure=None) -> "Actor":
        """The aidant, in `structure` or else their current structure."""
        structure_id = structure.pk if structure is not None else aidant.current_structure_id
        return cls(kind="aidant", aidant_id=aidant.pk, structure_id=structure_id)

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(kind="system", name=name)

    @classmethod
    def coerce(cls, value) -> "Actor":
        """Accept an Actor, an Aidant instance (current structure) or None (system)."""
        if isinstance(value, Actor):
            return value
        if value is None:
            return cls.system()
        return cls.aidant(value)


SYSTEM = Actor.system()
