"""SPEC §11 input rules: control characters refused (newlines allowed in the
description), a length limit on every text field, capacity a positive integer, a valid
contact_email; bodies over 8 MB answer 413."""

from __future__ import annotations

import pytest
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from htpm_events.accounts.forms import AccountForm, LoginForm
from htpm_events.events.forms import EventForm
from htpm_events.moderation.forms import BulkDecisionForm, DecisionForm, DomainForm, ReasonForm
from htpm_events.submissions.forms import EditForm, SubmissionForm

from ..submissions.helpers import events, form

TEXT_FIELDS = [
    "title", "organization", "venue_name", "address", "city", "online_url",
    "registration_url", "cost", "ce_credits", "contact_name", "contact_email",
]  # fmt: skip


@pytest.mark.parametrize("char", ["\x00", "\x07", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9b"])
def test_single_line_fields_refuse_control_characters(client, char):
    for name in TEXT_FIELDS:
        value = form()[name] or "Civic Center"
        value = value[:5] + char + value[5:]  # inside: surrounding whitespace is stripped
        response = client.post("/submit", data=form(**{name: value}))
        assert response.status_code == 400, (name, char)
    assert events() == []


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x0b", "\x7f", "\x85", "\x9b"])
def test_the_description_refuses_control_characters(client, char):
    response = client.post("/submit", data=form(description=f"Line one{char}line two"))
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)


def test_the_description_keeps_its_line_breaks(client):
    response = client.post("/submit", data=form(description="One\n\nTwo\r\nThree"))
    assert response.status_code == 303
    assert events()[0].description == "One\n\nTwo\nThree"


@pytest.mark.parametrize(
    "form_class",
    [EventForm, SubmissionForm, EditForm, LoginForm, AccountForm, DecisionForm, ReasonForm,
     BulkDecisionForm, DomainForm],
)  # fmt: skip
def test_every_text_field_has_a_length_limit(app, form_class):
    with app.test_request_context():
        instance = form_class(meta={"csrf": False})
        for field in instance:
            if not isinstance(field, StringField | TextAreaField) or field.type in (
                "HiddenField",
                "CSRFTokenField",
            ):
                continue
            if field.name == "languages":
                continue  # at most 20 codes of the BCP 47 shape
            limits = [v.max for v in field.validators if isinstance(v, Length) and v.max > 0]
            assert limits, f"{form_class.__name__}.{field.name} has no length limit"


@pytest.mark.parametrize("capacity", ["0", "-1", "1.5", "1e3", "ten", "100001", "²"])
def test_capacity_is_a_positive_whole_number(client, capacity):
    response = client.post(
        "/submit", data=form(registration_mode="hub", registration_url="", capacity=capacity)
    )
    assert response.status_code == 400, capacity
    assert events() == []


@pytest.mark.parametrize(
    "address",
    ["a@b", "not-an-address", "a@@example.org", "<a@example.org>", "a@example.org, b@x.org",
     "a@example.org\nBcc: b@example.org", "a" * 250 + "@example.org"],
)  # fmt: skip
def test_contact_email_must_be_one_valid_address(client, address):
    response = client.post("/submit", data=form(contact_email=address))
    assert response.status_code == 400, address
    assert events() == []


def test_a_body_over_8_mb_is_a_413_everywhere(client, published):
    big = {"description": "x" * (8 * 1024 * 1024 + 1)}
    for path in ("/submit", f"/manage/{published[1]}/edit", "/login"):
        assert client.post(path, data=big).status_code == 413, path
