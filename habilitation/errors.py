"""Errors raised by habilitation services. Each carries a French message a person can act on."""


class HabilitationError(Exception):
    """A business rule refused the action; `message` is French, for the person at the desk."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowedError(HabilitationError):
    """The actor may not do this here (wrong role or wrong structure)."""


class TransitionError(HabilitationError):
    """The requested step is not the next one for this habilitation request."""


class DuplicateError(HabilitationError):
    """The thing already exists (a SIRET, an open request, a card serial)."""


class CardImportError(HabilitationError):
    """The CSV was refused as a whole; `errors` lists `(line_number, message)` pairs."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} ligne(s) en erreur : aucune carte n'a été importée.")
        self.errors = errors
