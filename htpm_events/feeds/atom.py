"""The Atom 1.0 feed (RFC 4287) of newly published events, built with xml.etree."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from .. import vocab
from ..events.models import Event
from ..events.services import event_time_label
from .ical import event_page_url, location

ATOM = "http://www.w3.org/2005/Atom"
#: Characters XML 1.0 cannot carry at all.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def entry_id(event: Event) -> str:
    """A permanent entry id from the event's UID: its UUID as a URN (RFC 4122), or a name-
    based UUID of the UID when it is not one."""
    head = event.uid.split("@", 1)[0]
    try:
        return uuid.UUID(head).urn
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"htpm-events:{event.uid}").urn


def stamp(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_bytes(
    events: list[Event],
    *,
    title: str,
    self_url: str,
    page_url: str,
    updated: datetime,
    base: str,
) -> bytes:
    """The Atom document for ``events`` (already ordered, newest first)."""
    # Unqualified names under a default namespace declared on the root (ElementTree's
    # default_namespace option refuses unqualified attributes such as rel and href).
    feed = ET.Element("feed", xmlns=ATOM)
    text(feed, "id", self_url)
    text(feed, "title", title)
    text(feed, "subtitle", "Newly published National Human Trafficking Prevention Month events")
    text(feed, "updated", stamp(updated))
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = ET.SubElement(feed, "author")
    text(author, "name", "HTPM Events Hub")
    text(author, "uri", f"{base}/")
    text(feed, "generator", "HTPM Events Hub")
    for event in events:
        feed.append(entry(event, base))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def entry(event: Event, base: str) -> ET.Element:
    item = ET.Element("entry")
    text(item, "id", entry_id(event))
    text(item, "title", event.title)
    text(item, "updated", stamp(event.updated))
    text(item, "published", stamp(event.published or event.created))
    url = event_page_url(event, base)
    ET.SubElement(item, "link", rel="alternate", type="text/html", href=url)
    where = location(event) if not event.is_on_demand else "Online"
    summary = f"{event_time_label(event)} — {event.organization.name}"
    if where:
        summary += f" — {where}"
    text(item, "summary", summary)
    for code, label in category_terms(event):
        ET.SubElement(item, "category", term=code, label=label)
    return item


def category_terms(event: Event) -> list[tuple[str, str]]:
    terms = [
        (event.level, vocab.LEVELS.get(event.level, event.level)),
        (event.format, vocab.FORMATS.get(event.format, event.format)),
        (event.event_type, vocab.EVENT_TYPES.get(event.event_type, event.event_type)),
    ]
    terms += [(topic, vocab.TOPICS.get(topic, topic)) for topic in event.topics]
    return list(dict.fromkeys(terms))


def text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = NOT_XML.sub("", value)
    return child
