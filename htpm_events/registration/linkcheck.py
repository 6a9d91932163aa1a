"""``flask links check`` (and the daily ``links.check`` job): are the external registration
links of upcoming approved events still answering?

Each distinct link is asked with HEAD, then GET when HEAD is refused or fails (many servers
do not do HEAD), redirects followed (at most 5), a few at a time, each with a timeout. The
fetch rules of imports apply: http/https only, and every hop's address is checked against
private, loopback, link-local and multicast ranges and pinned for the connection (so a link
cannot make the hub probe its own network), unless ``HTPM_IMPORT_ALLOW_PRIVATE=1`` (tests).
A link that fails twice in a row is flagged on the moderation queue and its organizer is
told once by e-mail; a link that answers again clears the flag.
"""

from __future__ import annotations

import http.client
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa
from flask import current_app, render_template

from ..events.models import Event
from ..extensions import db
from ..importers.fetch import MAX_REDIRECTS, FetchError, _PinnedHTTP, _PinnedHTTPS, check_url
from ..importers.fetch import resolve as resolve_host
from ..links import event_url
from ..mail import queue_mail
from ..timeutil import now_utc
from .models import LinkCheck

log = logging.getLogger(__name__)

#: Links checked at the same time, and the time each may take.
CONCURRENCY = 8
TIMEOUT = 15.0
#: Failures in a row before a link is flagged.
FLAG_AFTER = 2
USER_AGENT = "HTPM-Events-Hub/1.0 (+registration link check)"


@dataclass
class Probe:
    ok: bool
    status: int | None
    error: str | None


def probe(url: str, allow_private: bool, timeout: float = TIMEOUT) -> Probe:
    """HEAD, then GET if HEAD does not give a good answer."""
    first = ask(url, "HEAD", allow_private, timeout)
    if first.ok:
        return first
    second = ask(url, "GET", allow_private, timeout)
    return second if second.ok or second.status is not None else first


def ask(url: str, method: str, allow_private: bool, timeout: float) -> Probe:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            problem = check_url(url)
            if problem:
                return Probe(False, None, f"{problem} ({url})")
            if url in seen:
                return Probe(False, None, f"Redirect loop at {url}.")
            seen.append(url)
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            address = resolve_host(parts.hostname, port, allow_private)
            cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
            conn = cls(parts.hostname, port, address, max(0.1, deadline - time.monotonic()))
            try:
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                conn.request(method, path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
                response = conn.getresponse()
                status = response.status
                if status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                    url = urljoin(url, response.getheader("Location"))
                    continue
                if method == "GET":
                    response.read1(1024)  # an answer, not the whole page
                ok = 200 <= status < 400
                return Probe(ok, status, None if ok else f"HTTP {status} {response.reason}")
            finally:
                conn.close()
        return Probe(False, None, f"More than {MAX_REDIRECTS} redirects.")
    except FetchError as exc:
        return Probe(False, exc.status, str(exc))
    except TimeoutError:
        return Probe(False, None, f"No answer within {timeout:g} s.")
    except (OSError, http.client.HTTPException) as exc:
        return Probe(False, None, f"Could not connect: {exc}")


def upcoming_links(now) -> list[Event]:
    ends = sa.func.coalesce(Event.series_ends_at, Event.ends_at)
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(
                Event.status == "approved",
                Event.registration_mode == "external",
                Event.registration_url.is_not(None),
                Event.registration_url != "",
                ends > now,
            )
            .order_by(Event.id)
        )
    )


def check_links(now=None, concurrency: int = CONCURRENCY) -> dict[str, int]:
    """Check every upcoming external registration link; returns counts for the summary."""
    now = now or now_utc()
    allow_private = str(current_app.config.get("HTPM_IMPORT_ALLOW_PRIVATE")) == "1"
    events = upcoming_links(now)
    urls = sorted({event.registration_url for event in events})
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = dict(zip(urls, pool.map(lambda u: probe(u, allow_private), urls), strict=True))
    summary = {"checked": len(urls), "ok": 0, "failing": 0, "flagged": 0}
    for event in events:
        result = results[event.registration_url]
        record = db.session.get(LinkCheck, event.id)
        if record is None or record.url != event.registration_url:
            if record is not None:
                db.session.delete(record)
                db.session.flush()
            record = LinkCheck(event_id=event.id, url=event.registration_url, failures=0)
            db.session.add(record)
        record.checked_at, record.status = now, result.status
        if result.ok:
            record.failures, record.error, record.notified_at = 0, None, None
            summary["ok"] += 1
            continue
        record.failures += 1
        record.error = (result.error or "")[:2000]
        summary["failing"] += 1
        if record.failures >= FLAG_AFTER:
            summary["flagged"] += 1
            if record.notified_at is None and event.contact_email:
                tell_organizer(event, record)
                record.notified_at = now
        log.info("Registration link of event %s failed: %s", event.id, record.error)
    db.session.commit()
    return summary


def tell_organizer(event: Event, record: LinkCheck) -> None:
    from ..events.services import issue_manage_token
    from ..submissions.services import manage_url

    if event.manage_token_hash is None:
        issue_manage_token(event)  # imported events had none; the link is derived, stable
    queue_mail(
        event.contact_email,
        f"Your registration link does not work: {event.title}",
        render_template(
            "registration/email/link_broken.txt",
            event=event,
            record=record,
            page=event_url(event),
            manage=manage_url(event),
        ),
    )


def flagged() -> list[tuple[Event, LinkCheck]]:
    """Upcoming approved events whose registration link failed twice or more in a row."""
    rows = db.session.execute(
        sa.select(Event, LinkCheck)
        .join(LinkCheck, LinkCheck.event_id == Event.id)
        .where(
            LinkCheck.failures >= FLAG_AFTER,
            Event.status == "approved",
            Event.registration_url == LinkCheck.url,
        )
        .order_by(LinkCheck.checked_at.desc())
    ).all()
    return [(event, check) for event, check in rows]
