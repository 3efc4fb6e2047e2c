"""The audit journal. Every business service calls `audit.record(...)` inside its transaction."""


def record(event_type, **kwargs):
    """Record one journal entry; see `audit.journal.record` for the contract."""
    # Imported on call: this package is imported while Django loads apps, before models exist.
    from audit.journal import record as _record

    return _record(event_type, **kwargs)
