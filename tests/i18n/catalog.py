"""Extracting the marked strings as `make messages` does, and reading the Spanish catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "htpm_events" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
#: The keywords of the Makefile's BABEL_KEYWORDS, besides Babel's own.
KEYWORDS = {
    **DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None, "lazy_ngettext": (1, 2)
}  # fmt: skip


def extracted() -> Catalog:
    """Every marked string of the code and the templates (babel.cfg's mapping)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    for folder in ("htpm_events", "templates"):
        for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
        ):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)], context=context)
    return catalog


def spanish() -> Catalog:
    with open(PO, "rb") as stream:
        return read_po(stream, locale="es")


def key(message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else message.id[0])
