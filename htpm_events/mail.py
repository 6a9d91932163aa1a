"""Sending e-mail: SMTP when ``MAIL_SERVER`` is set; otherwise (development) each message
is written to ``instance/mail/`` and logged, so nothing is lost and nothing leaves the host."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

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


def send_mail(
    to: str | list[str], subject: str, body: str, attachments: list[Attachment] | None = None
) -> EmailMessage:
    """Send one message now. Failures are logged, never raised: an outage of the mail
    server must not lose a submission that is already saved."""
    message = build_message(to, subject, body, attachments)
    config = current_app.config
    try:
        if config.get("MAIL_SERVER"):
            with smtplib.SMTP(
                config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=10
            ) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
                smtp.send_message(message)
        else:
            folder = Path(current_app.instance_path) / "mail"
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{now_utc():%Y%m%dT%H%M%S%f}.eml"
            (folder / name).write_bytes(bytes(message))
            current_app.logger.info(
                "Mail to %s (%s) written to %s", message["To"], subject, folder / name
            )
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.error("Could not send mail to %s: %s", message["To"], exc)
    return message
