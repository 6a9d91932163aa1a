"""Posting the submission form as a browser would: §2 names, strings, repeated checkboxes."""

from __future__ import annotations

import html as html_module
import io
import re
from datetime import date, datetime, time

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from htpm_events.events.models import Event
from htpm_events.extensions import db

from ..builders import event_data

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def as_form(value):
    if value is None or value is False:
        return ""
    if value is True:
        return "y"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [as_form(v) for v in value]
    return str(value)


def form(**overrides) -> dict:
    """A valid submission (the builders' defaults) as posted form fields."""
    data = {key: as_form(value) for key, value in event_data(**overrides).items()}
    data["languages"] = ", ".join(data["languages"])
    if not data["all_day"]:
        del data["all_day"]  # an unticked checkbox is not sent
    return data


def flyer(content: bytes, name: str = "flyer.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name, content_type="application/octet-stream")


def send(client, url: str, data: dict):
    """POST ``data`` as multipart/form-data, as a browser sends a form with a file input.

    The body is encoded here, in memory: the test client would spool a large one to a
    temporary file that it never closes."""
    fields = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            fields.add(key, item)
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def events() -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).order_by(Event.id)))


def manage_path(html: str) -> str:
    found = re.search(r'href="(/manage/[A-Za-z0-9_-]+)"', html)
    assert found, "no manage link on the page"
    return found.group(1)


def submit(client, **overrides):
    """Submit a valid event and return the manage page's path (from the thank-you page)."""
    response = client.post("/submit", data=form(**overrides))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return manage_path(client.get("/submit/thanks").get_data(as_text=True))


def field_error(html: str, field_id: str) -> str:
    """The error text shown at a field (empty when none)."""
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return html_module.unescape(found.group(1).strip()) if found else ""
