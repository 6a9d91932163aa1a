"""Every message the hub sends is a well-formed RFC 5322 message: besides From, To, Subject
and Message-ID it carries a Date (mandatory; without it some relays reject the message
and spam filters score it)."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from htpm_events.extensions import db
from htpm_events.mail import queue_mail


def test_a_sent_message_has_a_date_header(mail_app, mailbox):
    before = datetime.now(UTC).replace(microsecond=0)
    queue_mail("coordinator@county.example", "Hello", "Body text.")
    db.session.commit()
    [message] = mailbox.to("coordinator@county.example")
    assert message["Date"], "no Date header"
    sent = parsedate_to_datetime(message["Date"])
    assert sent.tzinfo is not None
    assert before - timedelta(seconds=1) <= sent <= datetime.now(UTC) + timedelta(seconds=1)
    assert message["Message-ID"] and message["From"] and message["Subject"] == "Hello"
