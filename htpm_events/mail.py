"""Composing e-mail. Messages go to the outbox (``outbox/``) in the transaction that causes
them; workers send them by SMTP when ``MAIL_SERVER`` is set, or otherwise (development) write
each one to ``instance/mail/`` and the log, so nothing is lost and nothing leaves the host."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app

from .outbox import services as outbox
from .timeutil import now_utc


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str  # e.g. "text/calendar; method=PUBLISH"


def build_message(
    to: str | list[str], subject: str, body: str, attachments: list[Attachment] | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join(to) if isinstance(to, list) else to
    message["Subject"] = subject
    if current_app.config.get("MAIL_REPLY_TO"):
        message["Reply-To"] = current_app.config["MAIL_REPLY_TO"]
    message["Date"] = format_datetime(now_utc())  # mandatory (RFC 5322 §3.6)
    message["Message-ID"] = make_msgid(domain="htpm-events")
    message.set_content(body)
    for item in attachments or []:
        maintype, _, rest = item.mimetype.partition("/")
        subtype, _, params = rest.partition(";")
        extra = {}
        for param in filter(None, (p.strip() for p in params.split(";"))):
            key, _, value = param.partition("=")
            extra[key.strip()] = value.strip()
        message.add_attachment(
            item.content,
            maintype=maintype,
            subtype=subtype.strip(),
            filename=item.filename,
            params=extra,
        )
    return message


def queue_mail(
    to: str | list[str], subject: str, body: str, attachments: list[Attachment] | None = None
) -> EmailMessage:
    """Put a message in the outbox, in the current transaction: it is sent by a worker once
    (and only if) the transaction commits. Requests never talk to the mail server."""
    message = build_message(to, subject, body, attachments)
    outbox.add(message)
    return message
