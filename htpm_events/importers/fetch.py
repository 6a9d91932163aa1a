"""Fetching a source URL safely (SPEC §6).

http and https only, no credentials in the URL; every hop's host is resolved once, each
address checked against private, loopback, link-local, multicast and reserved ranges (IPv4,
IPv6, IPv4-mapped), and the connection made to that very address (the Host header and TLS
name stay the host's), so a DNS answer cannot change between the check and the connection.
Conditional GET, a per-read timeout plus an overall deadline, at most five redirects, and
``HTPM_IMPORT_MAX_BYTES`` enforced while the body streams in.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from flask_babel import format_number
from flask_babel import lazy_gettext as _l

MAX_REDIRECTS = 5
USER_AGENT = "HTPM-Events-Hub/1.0 (+calendar import)"
#: Shared address space (carrier-grade NAT) is not "private" to the ipaddress module.
SHARED = ipaddress.ip_network("100.64.0.0/10")


class FetchError(Exception):
    """The source could not be fetched; the message says why, for the source's page."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class Fetched:
    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    url: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def check_url(url: str) -> str | None:
    """Why ``url`` may not be a source (None: it may)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return _l("This is not a valid web address.")
    if parts.scheme not in ("http", "https"):
        return _l("Only http:// and https:// addresses can be imported.")
    if not parts.hostname:
        return _l("The address has no host name.")
    if parts.username or parts.password or "@" in parts.netloc:
        return _l("Addresses with a user name or password cannot be imported.")
    if port == 0:
        return _l("The address has no valid port.")
    return None


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return is_public(str(mapped))
        if ip.teredo:
            return False
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast:
        return False
    if ip.is_reserved or ip.is_unspecified:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        return not ip.is_site_local
    return ip not in SHARED


def resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to; every address the name resolves to must be public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            _l("The host %(host)s could not be found (%(error)s).", host=host, error=exc)
        ) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchError(_l("The host %(host)s could not be found.", host=host))
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise FetchError(
                    _l(
                        "Refused: %(host)s resolves to %(address)s, a private or local address.",
                        host=host,
                        address=address,
                    )
                )
    return addresses[0]


def connect_to(address: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to exactly ``address`` (no second name resolution)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = connect_to(self.address, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = connect_to(self.address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    timeout: float = 20.0,
    allow_private: bool = False,
) -> Fetched:
    """GET ``url`` (conditionally when validators are given). Raises :class:`FetchError`."""
    deadline = time.monotonic() + timeout
    seen = []
    for _hop in range(MAX_REDIRECTS + 1):
        problem = check_url(url)
        if problem:
            raise FetchError(_l("%(problem)s (%(url)s)", problem=problem, url=url))
        if url in seen:
            raise FetchError(_l("Redirect loop at %(url)s.", url=url))
        seen.append(url)
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve(parts.hostname, port, allow_private)
        cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        conn = cls(parts.hostname, port, address, timeout=max(0.1, deadline - time.monotonic()))
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, text/plain;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            status = response.status
            if status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                response.close()
                if not location:
                    raise FetchError(
                        _l("HTTP %(status)d without a Location.", status=status), status
                    )
                url = urljoin(url, location)
                continue
            if status == 304:
                return Fetched(304, None, etag, last_modified, url)
            if status != 200:
                raise FetchError(
                    _l(
                        "The server answered HTTP %(status)d %(reason)s.",
                        status=status,
                        reason=response.reason,
                    ),
                    status,
                )
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(
                    _l(
                        "The calendar is %(size)s bytes, more than the %(limit)s allowed "
                        "(HTPM_IMPORT_MAX_BYTES).",
                        size=format_number(int(length)),
                        limit=format_number(max_bytes),
                    ),
                    status,
                )
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchError(
                        _l(
                            "The server took longer than %(seconds)s s.",
                            seconds=format_number(timeout),
                        ),
                        status,
                    )
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(
                        _l(
                            "The calendar is more than the %(limit)s bytes allowed "
                            "(HTPM_IMPORT_MAX_BYTES).",
                            limit=format_number(max_bytes),
                        ),
                        status,
                    )
                chunks.append(chunk)
            body = b"".join(chunks)
            return Fetched(
                200, body, response.getheader("ETag"), response.getheader("Last-Modified"), url
            )
        except TimeoutError as exc:
            raise FetchError(
                _l(
                    "The server did not answer within %(seconds)s s.",
                    seconds=format_number(timeout),
                )
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(_l("The server could not be reached: %(error)s.", error=exc)) from exc
        finally:
            conn.close()
    raise FetchError(_l("More than %(num)d redirects.", num=MAX_REDIRECTS))
