"""French e-mails of the habilitation workflow, sent after the transaction commits.

Each template in `templates/emails/habilitation/` has its subject on the first line and the
plain-text body below. Sending on commit means a rolled-back action sends nothing.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def _send(template: str, recipients: list[str], context: dict, individually: bool) -> None:
    rendered = render_to_string(f"emails/habilitation/{template}.txt",
                                {"site_url": settings.SITE_URL, **context})
    subject, _, body = rendered.strip().partition("\n")
    subject, body = subject.strip(), body.strip() + "\n"
    if individually:
        # One message per person: a circular must not disclose everyone's address.
        messages = [EmailMessage(subject, body, None, [address]) for address in recipients]
        get_connection().send_messages(messages)
    else:
        send_mail(subject, body, None, recipients)
    logger.info("habilitation e-mail %s sent to %d recipient(s)", template, len(recipients))


def send_on_commit(template: str, *, to: str | list[str], context: dict,
                   individually: bool = False) -> None:
    """Render and send `template` to `to` once the current transaction has committed."""
    recipients = [to] if isinstance(to, str) else list(to)
    if recipients:
        transaction.on_commit(partial(_send, template, recipients, context, individually))
