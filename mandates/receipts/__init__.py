"""Mandate and revocation receipts: legal text, its hash, and the sealed PDF.

Stable API (the mandate services record `receipt_sha256` and `RECEIPT_VERSION` at creation):
`RECEIPT_VERSION`, `receipt_text(mandate)`, `receipt_sha256(mandate)`, `revocation_text(mandate)`,
`revocation_sha256(mandate)`, `receipt_pdf(mandate)`, `revocation_pdf(mandate)`.
The PDF functions import WeasyPrint on first use (it is slow to import).
"""

from mandates.receipts.text import (
    RECEIPT_VERSION,
    has_revocation,
    receipt_sha256,
    receipt_text,
    revocation_sha256,
    revocation_text,
)


def receipt_pdf(mandate, *, seal: bool = True) -> bytes:
    from mandates.receipts.pdf import render_receipt

    return render_receipt(mandate, seal=seal)


def revocation_pdf(mandate, *, seal: bool = True) -> bytes:
    from mandates.receipts.pdf import render_revocation

    return render_revocation(mandate, seal=seal)


__all__ = [
    "RECEIPT_VERSION", "has_revocation", "receipt_pdf", "receipt_sha256", "receipt_text",
    "revocation_pdf", "revocation_sha256", "revocation_text",
]
