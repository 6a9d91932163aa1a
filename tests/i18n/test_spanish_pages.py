"""The hub in Spanish: every public page, the submission form with its errors, the manage
page and the e-mails, chosen with the header's switch (a cookie) or Accept-Language, carry no
English sentence of the hub's own. Event content (titles, descriptions, organizations), proper
names and addresses are left out of the check; the English words looked for are the words of
the English catalogue that Spanish does not also use."""

from __future__ import annotations

import email
import email.policy
import html as html_module
import re

import pytest
import sqlalchemy as sa

from htpm_events import vocab
from htpm_events.extensions import db
from htpm_events.outbox.models import OutboxMessage

from ..submissions.helpers import form, manage_path
from .catalog import extracted, spanish

#: Names, brands, codes and words both languages write the same way.
ALLOWED = {
    "htpm", "google", "apple", "outlook", "thunderbird", "icloud", "iphone", "ipad", "mac",
    "windows", "calendar", "atom", "webcal", "https", "http", "markdown", "csv", "pdf", "png",
    "jpeg", "ics", "utf", "iana", "america", "new_york", "york", "chicago", "esc", "asl", "zip",
    "dhs", "blue", "campaign", "wearblueday", "maps", "english", "email", "hub",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][a-z]{3,}")


@pytest.fixture(scope="module")
def english_words() -> set[str]:
    """Words of the English catalogue that are not also words of the Spanish one."""
    english = set()
    for message in extracted():
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            english.update(w.lower() for w in WORD.findall(re.sub(r"%\(\w+\)s|<[^>]+>", " ", text)))
    both = set()
    for message in spanish():
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            both.update(w.lower() for w in WORD.findall(text or ""))
    return english - both - ALLOWED


def visible_text(page: str) -> str:
    """What a person reads (and hears: alt, aria-label, title, placeholder), without scripts,
    styles, the JSON-LD and URLs."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<option value="[^"]*/[^"]*"[^>]*>[^<]*</option>', " ", page)  # zone names
    page = re.sub(r"<code>.*?</code>", " ", page, flags=re.S)  # field names, commands
    attributes = re.findall(r'\b(?:alt|aria-label|title|placeholder)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page) + " " + " ".join(attributes)
    text = html_module.unescape(text)
    return re.sub(r"\S*(?:https?://|@|/)\S*", " ", text)


def english_in(text: str, words: set[str], content: tuple[str, ...] = ()) -> list[str]:
    text = re.sub(r"\S*(?:https?://|@|/)\S*", " ", text)  # addresses, time zone names
    for item in (*content, *vocab.STATES.values()):  # the organizer's words, proper names
        text = text.replace(item, " ")
    found = {w for w in WORD.findall(text) if w.lower() in words}
    return sorted(found)


CONTENT = (
    "Recognizing Labor Trafficking",
    "A one-hour webinar for social workers.",
    "A one-hour webinar for **social workers**.",
    "A one-hour webinar for",
    "social workers",
    "Kentucky Coalition Against Trafficking",
    "Kentucky",
    "Dana Organizer",
    "Capacitación sobre trata laboral",
    "Promotoras del Valle",
)


@pytest.fixture
def es_client(app):
    client = app.test_client()
    client.set_cookie("hub_lang", "es")
    return client


def test_the_switch_sets_a_cookie_and_goes_back(client):
    response = client.get("/events?lang=es")
    assert response.headers["Content-Language"] == "en"
    assert 'lang="en"' in response.get_data(as_text=True)
    assert 'href="/language/es?next=/events%3Flang%3Des"' in response.get_data(as_text=True)
    switched = client.get("/language/es?next=/events%3Flang%3Des")
    assert switched.status_code == 303
    assert switched.headers["Location"] == "/events?lang=es"
    assert "hub_lang=es" in switched.headers["Set-Cookie"]
    page = client.get("/events?lang=es")
    assert page.headers["Content-Language"] == "es"
    assert '<html lang="es">' in page.get_data(as_text=True)
    assert "Accept-Language" in page.headers["Vary"] and "Cookie" in page.headers["Vary"]
    assert ">English</a>" in page.get_data(as_text=True)
    assert client.get("/language/en?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/language/fr").status_code == 404


def test_the_first_visit_follows_accept_language(client):
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert page.headers["Content-Language"] == "es"
    assert "Salida rápida" in page.get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9,es;q=0.5"})
    assert english.headers["Content-Language"] == "en"


def test_feeds_and_the_api_stay_english_and_do_not_vary(es_client, make_event):
    make_event()
    for path in ("/feeds/events.ics", "/feeds/events.atom", "/api/v1/events"):
        response = es_client.get(path)
        assert response.status_code == 200
        assert "Content-Language" not in response.headers, path
        assert "Accept-Language" not in response.headers.get("Vary", ""), path
    assert b"X-WR-CALNAME:HTPM events\r\n" in es_client.get("/feeds/events.ics").data


def test_the_safety_text_is_on_every_spanish_page(es_client, make_event):
    event = make_event()
    for path in ("/", "/events", f"/events/{event.id}", "/submit", "/feeds", "/login"):
        text = " ".join(visible_text(es_client.get(path).get_data(as_text=True)).split())
        assert (
            "Línea Nacional contra la Trata de Personas: llame al 1-888-373-7888 "
            "o envíe un mensaje de texto al 233733"
        ) in text, path
        assert "Salida rápida" in text, path


def test_public_pages_have_no_english_sentences(es_client, make_event, english_words):
    from ..builders import next_january

    make_event()
    spanish_event = make_event(
        title="Capacitación sobre trata laboral",
        organization="Promotoras del Valle",
        languages=["es"],
        description="",
        registration_mode="hub",
        registration_url="",
        capacity=20,
    )
    make_event(title="Recognizing Labor Trafficking", status="cancelled")
    from datetime import date

    past = make_event(start_date=date(2024, 1, 10), end_date=date(2024, 1, 10))
    year = next_january()
    paths = [
        "/",
        "/events",
        "/events?lang=es",
        "/events?level=state&free=1",
        f"/calendar/{year}/1",
        f"/events/{spanish_event.id}",
        f"/events/{spanish_event.id}/register",
        f"/events/{past.id}",
        f"/events/{past.id}/register",  # registration closed
        "/feeds",
        "/embed/events",
        "/submit",
        "/submit/how",
        "/submit/batch",
        "/login",
        "/no-such-page",
        "/events?level=galactic",
    ]
    problems = {}
    for path in paths:
        response = es_client.get(path)
        assert response.status_code in (200, 400, 404), path
        found = english_in(visible_text(response.get_data(as_text=True)), english_words, CONTENT)
        if found:
            problems[path] = found
    assert not problems, "\n".join(f"{p}: {w}" for p, w in problems.items())
    listing = es_client.get("/events").get_data(as_text=True)
    assert "En español" in listing
    assert "Eventos en español" in es_client.get("/").get_data(as_text=True)


def test_dates_are_written_the_spanish_way(es_client, make_event):
    from datetime import date, time

    event = make_event(
        start_date=date(2026, 1, 27),
        end_date=date(2026, 1, 27),
        start_time=time(10, 0),
        end_time=time(12, 0),
        timezone="America/Los_Angeles",
    )
    page = es_client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "martes, 27 de enero de 2026, 10:00–12:00 (hora del Pacífico)" in page
    month = es_client.get("/calendar/2026/1").get_data(as_text=True)
    assert "enero de 2026" in month
    assert "<li>dom</li>" in month  # the grid starts on Sunday, in Spanish


def test_the_submission_form_with_errors_and_the_manage_page(es_client, app, english_words):
    response = es_client.post("/submit", data=form(title="", contact_email="not an address"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Escriba un título." in page
    assert "Idioma del evento" in page
    found = english_in(visible_text(page), english_words, CONTENT)
    assert not found, found

    response = es_client.post("/submit", data=form(title="Capacitación sobre trata laboral"))
    assert response.status_code == 303
    thanks = es_client.get("/submit/thanks").get_data(as_text=True)
    assert not english_in(visible_text(thanks), english_words, CONTENT)
    manage = es_client.get(manage_path(thanks))
    found = english_in(visible_text(manage.get_data(as_text=True)), english_words, CONTENT)
    assert not found, found
    edit = es_client.get(manage_path(thanks) + "/edit").get_data(as_text=True)
    assert not english_in(visible_text(edit), english_words, CONTENT)


def outbox() -> list[email.message.EmailMessage]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
    return [email.message_from_bytes(r.content, policy=email.policy.default) for r in rows]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_emails_go_out_in_the_language_the_person_used(es_client, client, app, english_words):
    es_client.post("/submit", data=form(title="Capacitación sobre trata laboral",
                                         contact_email="ana@example.org"))  # fmt: skip
    client.post("/submit", data=form(contact_email="dana@example.org"))
    messages = outbox()
    [spanish_receipt] = [m for m in messages if m["To"] == "ana@example.org"]
    [english_receipt] = [m for m in messages if m["To"] == "dana@example.org"]
    assert spanish_receipt["Subject"].startswith("Su evento: ")
    body = text_of(spanish_receipt)
    assert "Gracias por enviar su evento" in body
    assert "Línea Nacional contra la Trata de Personas" in body
    assert not english_in(body.replace(spanish_receipt["Subject"], ""), english_words, CONTENT)
    assert english_receipt["Subject"].startswith("Your event: ")
    assert "Thank you for submitting your event" in text_of(english_receipt)


def test_a_registration_made_in_spanish_is_confirmed_in_spanish(
    es_client, make_event, english_words
):
    event = make_event(registration_mode="hub", registration_url="", capacity=5)
    response = es_client.post(
        f"/events/{event.id}/register",
        data={"name": "Ana", "email": "ana@example.org", "consent": "y"},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    done = es_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Está inscrito/a" in done
    [message] = [m for m in outbox() if m["To"] == "ana@example.org"]
    assert message["Subject"].startswith("Está inscrito/a: ")
    body = text_of(message)
    assert not english_in(body, english_words, CONTENT), body


def test_a_feed_asks_for_spanish_labels_without_changing_the_english_bytes(client, make_event):
    event = make_event(cost="$10")
    make_event(title="Recognizing Labor Trafficking", status="cancelled")
    english = client.get("/feeds/events.ics?level=state")
    spanish_feed = client.get("/feeds/events.ics?level=state&hl=es")
    assert english.headers["ETag"] != spanish_feed.headers["ETag"]
    assert client.get("/feeds/events.ics?level=state").data == english.data
    text = spanish_feed.data.decode().replace("\r\n ", "")
    assert "X-WR-CALNAME:Eventos HTPM — state" in text
    assert "Organizado por: Kentucky Coalition Against Trafficking" in text
    assert "Costo: $10" in text
    assert "Página del evento: http://localhost/events/" in text
    assert "X-WR-CALNAME:HTPM events — state" in english.data.decode()
    assert "Hosted by: Kentucky" in english.data.decode().replace("\r\n ", "")
    one = client.get(f"/events/{event.id}.ics?hl=es").data.decode().replace("\r\n ", "")
    assert "Organizado por: " in one
    assert "Hosted by: " in client.get(f"/events/{event.id}.ics").data.decode()


def test_moderation_pages_have_no_english_sentences(app, make_user, make_event, english_words):
    from ..moderation.conftest import PASSWORD, log_in

    admin = make_user("admin@example.org", PASSWORD, "admin")
    client = app.test_client()
    client.set_cookie("hub_lang", "es")
    log_in(client, admin.email)
    pending = make_event(status="pending")
    published = make_event()
    paths = [
        "/moderate",
        f"/moderate/events/{pending.id}",
        f"/moderate/events/{published.id}",
        f"/moderate/events/{published.id}/edit",
        f"/moderate/events/{published.id}/cancel",
        f"/moderate/events/{published.id}/unpublish",
        "/moderate/log",
        "/moderate/sources",
        "/moderate/organizations",
        "/moderate/accounts",
        "/moderate/status",
        "/moderate/outbox",
        "/moderate/auto-published",
        "/moderate/domains",
        "/moderate/upload",
    ]
    problems = {}
    for path in paths:
        response = client.get(path)
        if response.status_code == 404:
            continue  # an address this version of the hub does not have
        assert response.status_code == 200, path
        found = english_in(visible_text(response.get_data(as_text=True)), english_words, CONTENT)
        if found:
            problems[path] = found
    assert not problems, "\n".join(f"{p}: {w}" for p, w in problems.items())


BAD_ROWS = (
    "title,organization,start_date,format,colour\n"
    "Capacitación sobre trata laboral,Promotoras del Valle,2026-13-45,galactic,blue\n"
)


def test_the_batch_page_with_errors_is_in_spanish(es_client, english_words):
    import io

    bad_header = es_client.post(
        "/submit/batch",
        data={"organization": "Promotoras del Valle", "contact_name": "Ana",
              "contact_email": "ana@example.org",
              "file": (io.BytesIO(BAD_ROWS.encode()), "eventos.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert bad_header.status_code == 400
    page = bad_header.get_data(as_text=True)
    assert "línea 1, columna <code>colour</code>: Columna desconocida." in page
    assert not english_in(visible_text(page), english_words, CONTENT)

    rows = BAD_ROWS.replace(",colour", "").replace(",blue", "")
    rows += "Capacitación sobre trata laboral,Promotoras del Valle,2026-13-45,galactic\n"
    bad_rows = es_client.post(
        "/submit/batch",
        data={"organization": "Promotoras del Valle", "contact_name": "Ana",
              "contact_email": "ana@example.org",
              "file": (io.BytesIO(rows.encode()), "eventos.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert bad_rows.status_code == 400
    page = bad_rows.get_data(as_text=True)
    assert "línea 2, columna" in page and "El mismo evento que la línea 2." in page
    found = english_in(visible_text(page), english_words, CONTENT)
    assert not found, found

    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@b\r\nEND:VEVENT\r\n"
    truncated = es_client.post(
        "/submit/batch",
        data={"organization": "Promotoras del Valle", "contact_name": "Ana",
              "contact_email": "ana@example.org", "file": (io.BytesIO(ics), "eventos.ics")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert truncated.status_code == 400
    page = truncated.get_data(as_text=True)
    assert "el archivo termina" in page or "termina dentro de" in page or "línea" in page
    found = english_in(visible_text(page), english_words, CONTENT)
    assert not found, found


@pytest.fixture
def es_moderator(app, make_user):
    from ..moderation.conftest import PASSWORD, log_in

    admin = make_user("admin@example.org", PASSWORD, "admin")
    client = app.test_client()
    client.set_cookie("hub_lang", "es")
    log_in(client, admin.email)
    return client


def test_the_upload_dry_run_is_in_spanish(es_moderator, english_words):
    import io

    from ..importers.test_pages import sample_rows

    good = sample_rows(2)
    response = es_moderator.post(
        "/moderate/imports",
        data={"file": (io.BytesIO(good.encode()), "eventos.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    found = english_in(visible_text(page), english_words, CONTENT)
    assert not found, found

    response = es_moderator.post(
        "/moderate/imports",
        data={"file": (io.BytesIO(BAD_ROWS.encode()), "eventos.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "línea 1, columna <code>colour</code>" in page
    found = english_in(visible_text(page), english_words, CONTENT)
    assert not found, found

    response = es_moderator.post(
        "/moderate/imports",
        data={"file": (io.BytesIO(b"\xff\xfe,\n"), "eventos.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "no es texto UTF-8" in page
    assert not english_in(visible_text(page), english_words, CONTENT)


def test_sources_their_runs_and_the_log_are_in_spanish(es_moderator, english_words):
    from htpm_events.importers.models import ImportSource

    held = ImportSource(
        kind="url", url="https://promotoras.example/cal.ics", name="Promotoras del Valle",
        held_reason="The calendar now lists no event at all.",
        last_error="The address answered with a web page, not an iCalendar file.",
        failures=2, last_counts={"created": 3, "updated": 1, "held": 1},
    )  # fmt: skip
    db.session.add(held)
    db.session.commit()
    page = es_moderator.get("/moderate/sources").get_data(as_text=True)
    assert "El calendario ya no tiene ningún evento." in page
    assert "2 ejecuciones fallidas seguidas" in page
    found = english_in(visible_text(page), english_words, CONTENT)
    assert not found, found

    # "Run now" on an address the hub refuses: its line is in Spanish; the error kept on the
    # source is English (as the worker's runs write it) and shown as it is when it names
    # hosts or counts.
    held.url = "http://127.0.0.1/cal.ics"
    db.session.commit()
    response = es_moderator.post(f"/moderate/sources/{held.id}/run", data={})
    assert response.status_code == 302
    page = es_moderator.get("/moderate/sources").get_data(as_text=True)
    [line] = re.findall(r'<p class="flash flash-error"[^>]*>(.*?)</p>', page, flags=re.S)
    line = html_module.unescape(line)
    assert line.startswith(f"fuente n.º {held.id}: fallida — Rechazada: 127.0.0.1"), line
    assert not english_in(line, english_words, CONTENT), line
    db.session.expire_all()
    assert db.session.get(ImportSource, held.id).last_error.startswith("Refused: 127.0.0.1")

    added = es_moderator.post(
        "/moderate/sources",
        data={"url": "ftp://promotoras.example/cal.ics", "poll_minutes": "60",
              "organization": "Promotoras del Valle",
              "event_type": "other", "active": "y"},
    )  # fmt: skip
    assert added.status_code == 400
    assert "Solo se pueden importar direcciones http:// y https://." in added.get_data(as_text=True)
    found = english_in(visible_text(added.get_data(as_text=True)), english_words, CONTENT)
    assert not found, found
    again = es_moderator.post(
        "/moderate/sources",
        data={"url": "http://127.0.0.1/cal.ics", "poll_minutes": "60",
              "organization": "Promotoras del Valle",
              "event_type": "other", "active": "y"},
    )  # fmt: skip
    assert again.status_code == 400
    assert f"Esta dirección ya es la fuente n.º {held.id}." in again.get_data(as_text=True)

    log = es_moderator.get("/moderate/log").get_data(as_text=True)
    found = english_in(visible_text(log), english_words, CONTENT)
    assert not found, found


def test_the_status_page_is_in_spanish(es_moderator, english_words):
    page = es_moderator.get("/moderate/status").get_data(as_text=True)
    assert "cada 5 minutos" in page
    assert "Ejecuta una vez cada fuente de importación" in page
    found = english_in(visible_text(page), english_words, CONTENT)
    assert not found, found
