"""The Spanish hub in a real browser: the switch in the header, axe-core on the Spanish
pages, and an event submitted with the Spanish labels."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from htpm_events.events.models import Event
from htpm_events.extensions import db

from ..jstools import axe_source

pytestmark = pytest.mark.browser

AXE_RUN = "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"


def serious_problems(page) -> list:
    page.evaluate(axe_source())
    result = page.evaluate(AXE_RUN)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_header_switch_changes_the_language_and_remembers_it(live_server, page):
    page.goto(live_server.url + "/events?lang=es")
    page.get_by_role("link", name="Español").click()
    page.wait_for_url("**/events?lang=es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Salida rápida")).to_be_visible()
    page.goto(live_server.url + "/feeds")  # remembered by the cookie
    expect(page.get_by_role("heading", name="Suscripciones de calendario")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Calendar feeds")).to_be_visible()


def test_spanish_pages_pass_axe(live_server, page):
    page.context.add_cookies([{"name": "hub_lang", "value": "es", "url": live_server.url}])
    problems = {}
    for path in ("/", "/events", "/feeds", "/submit", "/login", "/submit/how"):
        page.goto(live_server.url + path)
        found = serious_problems(page)
        if found:
            problems[path] = found
    page.goto(live_server.url + "/submit")
    page.get_by_role("button", name="Enviar el evento").click()  # an empty form: every error
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.get_by_text("Escriba un título.").first).to_be_visible()
    found = serious_problems(page)
    if found:
        problems["/submit (errors)"] = found
    assert problems == {}


def test_an_organizer_submits_an_event_with_the_spanish_labels(live_server, page):
    page.context.add_cookies([{"name": "hub_lang", "value": "es", "url": live_server.url}])
    page.goto(live_server.url + "/submit")
    page.get_by_label("Título", exact=True).fill("Conozca sus derechos en el trabajo")
    page.get_by_label("Descripción", exact=True).fill("Una charla para trabajadores agrícolas.")
    page.get_by_label("Organización", exact=True).fill("Promotoras del Valle")
    page.get_by_label("Nivel", exact=True).select_option(label="Comunitario")
    page.get_by_label("Tipo de evento").select_option(label="Taller")
    page.get_by_label("Formato", exact=True).select_option(label="Presencial")
    page.get_by_label("Idioma del evento").fill("es")
    page.get_by_label("Explotación laboral").check()
    page.get_by_label("Público en general").check()
    page.get_by_label("Fecha de inicio").fill("2027-01-16")
    page.get_by_label("Hora de inicio").fill("10:00")
    page.get_by_label("Hora de finalización").fill("12:00")
    page.get_by_label("Estado o territorio").select_option(label="California")
    expect(page.locator("#timezone-note")).to_contain_text("Zona horaria fijada en")
    page.get_by_label("Lugar", exact=True).fill("Centro Comunitario")
    page.get_by_label("Dirección", exact=True).fill("100 Main St")
    page.get_by_label("Ciudad", exact=True).fill("Salinas")
    page.get_by_label("Código postal").fill("93901")
    page.get_by_label("Cómo se inscriben las personas").select_option(
        label="No se necesita inscripción"
    )
    page.get_by_label("Nombre de contacto").fill("Ana Pérez")
    page.get_by_label("Correo electrónico de contacto").fill("ana@example.org")
    page.get_by_role("button", name="Vista previa").click()
    expect(page.get_by_text("sábado, 16 de enero de 2027, 10:00–12:00")).to_be_visible()
    page.get_by_role("button", name="Enviar el evento").first.click()
    page.wait_for_url("**/submit/thanks")
    expect(page.get_by_role("heading", name="Gracias: recibimos su evento")).to_be_visible()
    page.locator(".manage-link a").click()
    expect(page.get_by_role("heading", name="Estado: pendiente de revisión")).to_be_visible()
    with live_server.app.app_context():
        [event] = db.session.scalars(sa.select(Event)).all()
        assert (event.title, event.languages, event.locale) == (
            "Conozca sus derechos en el trabajo",
            ["es"],
            "es",
        )


def test_the_spanish_feed_builder_offers_feeds_with_spanish_labels(live_server, page):
    page.context.add_cookies([{"name": "hub_lang", "value": "es", "url": live_server.url}])
    page.goto(live_server.url + "/feeds")
    page.get_by_role("group", name="Nivel").get_by_label("Federal").check()
    page.get_by_role("checkbox", name="Solo eventos gratuitos").check()
    expect(page.locator('[data-feed="name"]')).to_have_text("Eventos HTPM — federal, gratis")
    address = page.locator('input[data-feed="https"]').input_value()
    assert address.endswith("/feeds/events.ics?level=federal&free=1&hl=es")
    with live_server.app.app_context():
        client = live_server.app.test_client()
        assert "X-WR-CALNAME:Eventos HTPM — federal\\, gratis" in client.get(
            "/feeds/events.ics?level=federal&free=1&hl=es"
        ).get_data(as_text=True)
