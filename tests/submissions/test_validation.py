"""Every SPEC §2/§11 rule of the submission form: a clear message at the field, a 400, the
typed values still there, nothing saved, never a 500."""

import re

import pytest
from markupsafe import escape

from ..builders import next_january
from .helpers import JPEG, PDF, PNG, events, field_error, flyer, form, send

Y = next_january()  # the default event's year


def post(client, **overrides):
    return client.post("/submit", data=form(**overrides))


def test_a_unicode_title_is_kept_exactly(client):
    title = "Día de concienciación — 人口販賣 · Ōlelo ʻāina 🌐"
    response = post(client, title=title, organization="Coalición Nacional")
    assert response.status_code == 303
    [event] = events()
    assert event.title == title
    assert event.organization.name == "Coalición Nacional"
    assert event.status == "pending"


def test_a_description_of_20000_characters_is_accepted(client):
    assert post(client, description="x" * 20000).status_code == 303
    assert len(events()[0].description) == 20000


def test_a_description_of_20001_characters_is_refused_at_the_field(client):
    response = post(client, description="x" * 20001)
    assert response.status_code == 400
    assert "20000" in field_error(response.get_data(as_text=True), "description")
    assert events() == []


def test_browser_line_breaks_count_once(client):
    # Browsers send CRLF; 10 000 lines of one character plus their breaks fit the limit.
    text = "\r\n".join(["a"] * 10000)
    assert post(client, description=text).status_code == 303
    assert "\r" not in events()[0].description


@pytest.mark.parametrize("field", ["online_url", "registration_url"])
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "ftp://example.org/file",
        "example.org/no-scheme",
    ],
)
def test_only_http_links_are_accepted(client, field, url):
    response = post(client, **{field: url})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "starting with https://" in field_error(page, field)
    assert str(escape(url)) in page  # what was typed is still in the field
    assert events() == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": f"{Y}-01-13"}, "end_date", "The end date is before the start date."),
        ({"end_time": "09:30"}, "end_time", "The end time is before the start time."),
        ({"end_time": "10:00"}, "end_time", "The end time is before the start time."),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list"),
        ({"timezone": "EST5EDT-nonsense"}, "timezone", "Choose a time zone from the list"),
        ({"start_date": ""}, "start_date", "Enter the start date."),
        ({"start_date": "2027-13-45"}, "start_date", "Not a valid date value."),
        ({"start_date": "9999-12-31"}, "start_date", "Enter a date between 1970 and 2100."),
        ({"start_time": ""}, "start_time", "Enter a start time, or tick All day."),
        ({"title": ""}, "title", "Enter a title."),
        ({"title": "t" * 201}, "title", "200"),
        ({"title": "Bell\x07 ringing"}, "title", "Remove control characters"),
        ({"organization": ""}, "organization", "Enter the organization"),
        ({"level": "galactic"}, "level", "Not a valid choice"),
        ({"state": "XX"}, "state", "Not a valid choice"),
        ({"format": "telepathic"}, "format", "Not a valid choice"),
        ({"event_type": "rave"}, "event_type", "Not a valid choice"),
        ({"recurrence": "yearly"}, "recurrence", "Not a valid choice"),
        ({"contact_email": "not-an-address"}, "contact_email", "Enter a valid e-mail address."),
        ({"contact_email": ""}, "contact_email", "Enter a contact e-mail."),
        ({"contact_name": ""}, "contact_name", "Enter a contact name."),
        ({"registration_url": ""}, "registration_url", "Enter the registration link"),
        ({"registration_mode": "hub"}, "capacity", "Enter how many people can register."),
        (
            {"registration_mode": "hub", "capacity": "-3"},
            "capacity",
            "Enter a whole number of seats",
        ),
        ({"registration_deadline": f"{Y}-01-14T10:30"}, "registration_deadline", "after the"),
        ({"languages": "english!"}, "languages", "Not a language code"),
        ({"postal_code": "ABC"}, "postal_code", "5-digit ZIP"),
        (
            {"format": "in-person", "venue_name": "", "address": "", "city": ""},
            "address",
            "in-person and hybrid events need a place",
        ),
        ({"recurrence": "weekly"}, "recurrence_until", "Say until when the event repeats"),
        (
            {"recurrence": "weekly", "recurrence_count": "4", "recurrence_until": "2027-02-14"},
            "recurrence_count",
            "not both",
        ),
    ],
)
def test_each_rule_answers_at_its_field(client, overrides, field, message):
    response = post(client, **overrides)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in field_error(page, field)
    # The summary at the top links to the field.
    assert f'href="#field-{field}"' in page
    assert events() == []


def test_every_typed_value_is_still_there_after_an_error(client):
    typed = form(
        title="Labor Trafficking 101 — für alle",
        description='Line one\n\n**Bold** <b>and</b> "quotes" & ampersands',
        organization="Riverside Coalition",
        level="community",
        state="OR",
        format="hybrid",
        event_type="workshop",
        topics=["labor-exploitation", "economic-mobility"],
        audiences=["business", "youth"],
        timezone="America/Los_Angeles",
        start_date="2027-01-20",
        start_time="18:30",
        end_date="2027-01-20",
        end_time="20:00",
        venue_name="Riverside Library",
        address="12 River Rd",
        city="Portland",
        postal_code="97201",
        online_url="https://example.org/join",
        registration_url="https://example.org/register",
        registration_deadline="2027-01-19T17:00",
        cost="$10, free for students",
        ce_credits="1.5 CE hours",
        languages="en, es",
        accessibility=["asl", "captions"],
        contact_name="Rosa Díaz",
        contact_email="rosa@",  # the one mistake
    )
    response = client.post("/submit", data=typed)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "contact_email")
    for name in (
        "title", "organization", "start_date", "start_time", "end_time", "venue_name",
        "address", "city", "postal_code", "online_url", "registration_url",
        "registration_deadline", "cost", "ce_credits", "languages", "contact_name",
        "contact_email",
    ):  # fmt: skip
        assert f'name="{name}"' in page
        assert f'value="{escape(typed[name])}"' in page, name
    assert str(escape(typed["description"])) in page
    for name in ("level", "state", "format", "event_type", "timezone"):
        assert f'<option selected value="{typed[name]}">' in page, name
    for name in ("topics", "audiences", "accessibility"):
        checked = re.findall(
            rf'<input checked id="{name}-\d+" name="{name}" [^>]*value="([^"]+)"', page
        )
        assert sorted(checked) == sorted(typed[name]), name


EVERY_FIELD = (
    "title", "description", "organization", "level", "state", "format", "event_type",
    "topics", "audiences", "timezone", "start_date", "start_time", "end_date", "end_time",
    "all_day", "recurrence", "recurrence_until", "recurrence_count", "venue_name",
    "address", "city", "postal_code", "online_url", "registration_mode",
    "registration_url", "registration_deadline", "capacity", "cost", "languages",
    "accessibility", "ce_credits", "contact_name", "contact_email",
)  # fmt: skip


@pytest.mark.parametrize("junk", ["\x00", "0001-01-01", "9999-12-31T23:59", "-1", "€" * 3000])
def test_junk_in_any_field_never_answers_500(client, junk):
    for name in EVERY_FIELD:
        response = client.post("/submit", data=form(**{name: junk}))
        assert response.status_code in (303, 400), name
        preview = client.post("/submit", data={**form(**{name: junk}), "preview": "1"})
        assert preview.status_code in (200, 400), name


class TestFlyer:
    def test_a_pdf_png_or_jpeg_is_stored_with_its_detected_type(self, client):
        for content, name, kind in (
            (PDF, "Flyer 2027.pdf", "application/pdf"),
            (PNG, "poster.PNG", "image/png"),
            (JPEG, "photo.jpeg", "image/jpeg"),
            (PDF, "flyer-without-extension", "application/pdf"),
        ):
            data = form()
            data["flyer"] = flyer(content, name)
            assert send(client, "/submit", data).status_code == 303
            stored = events()[-1].flyer
            assert (stored.content_type, stored.data) == (kind, content)
            assert stored.size == len(content)

    def test_an_oversized_flyer_is_refused_at_the_field(self, client):
        data = form(title="Keep this title")
        data["flyer"] = flyer(PDF + b"0" * (5 * 1024 * 1024), "big.pdf")
        response = send(client, "/submit", data)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "larger than 5 MB" in field_error(page, "flyer")
        assert 'value="Keep this title"' in page
        assert events() == []

    def test_exactly_5_mb_is_accepted(self, client):
        data = form()
        data["flyer"] = flyer(PDF + b"0" * (5 * 1024 * 1024 - len(PDF)), "max.pdf")
        assert send(client, "/submit", data).status_code == 303
        assert events()[0].flyer.size == 5 * 1024 * 1024

    @pytest.mark.parametrize(
        ("content", "name", "message"),
        [
            (PNG, "flyer.pdf", "named like a PDF but is a PNG image"),
            (PDF, "flyer.png", "named like a PNG image but is a PDF"),
            (b"Just some text, not a PDF at all", "flyer.pdf", "must be a PDF, PNG or JPEG"),
            (b"<html><script>alert(1)</script>", "flyer.png", "must be a PDF, PNG or JPEG"),
            (b"GIF89a" + b"\x00" * 20, "flyer.gif", "must be a PDF, PNG or JPEG"),
            (b"", "empty.pdf", "empty"),
        ],
    )
    def test_a_mistyped_flyer_is_refused(self, client, content, name, message):
        data = form()
        data["flyer"] = flyer(content, name)
        response = send(client, "/submit", data)
        assert response.status_code == 400
        assert message in field_error(response.get_data(as_text=True), "flyer")
        assert events() == []

    def test_a_body_over_8_mb_answers_a_readable_413(self, client):
        data = form()
        data["flyer"] = flyer(PDF + b"0" * (9 * 1024 * 1024), "huge.pdf")
        response = send(client, "/submit", data)
        assert response.status_code == 413
        page = response.get_data(as_text=True)
        assert "at most 5 MB" in page
        assert "<h1>That upload is too large</h1>" in page
        assert events() == []


def test_without_a_csrf_token_nothing_is_saved(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        response = client.post("/submit", data=form(title="Forged"))
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "nothing was saved" in page
        assert 'value="Forged"' in page  # what was typed comes back, with a fresh token
        assert events() == []

        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/submit", data={**form(title="Real"), "csrf_token": token})
        assert response.status_code == 303
        assert [e.title for e in events()] == ["Real"]


def test_the_cancel_form_needs_its_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        page = client.get("/submit").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/submit", data={**form(), "csrf_token": token})
        manage = client.get("/submit/thanks").get_data(as_text=True)
        path = manage.split('href="/manage/')[1].split('"')[0]
        response = client.post(f"/manage/{path}/cancel", data={"confirm": "y"})
        assert response.status_code == 400
        assert events()[0].status == "pending"
