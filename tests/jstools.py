"""The npm tools some tests run (tests/js: ical.js and axe-core, installed by `make
install-test`). Where they are missing those tests skip, except where CI makes them mandatory
(``HTPM_REQUIRE_JS=1``, set by .ci/run): there they fail, so that nothing a test claims to
check is silently left out."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"
AXE = JS / "node_modules" / "axe-core" / "axe.min.js"
ICALJS = JS / "node_modules" / "ical.js"


def required() -> bool:
    return os.environ.get("HTPM_REQUIRE_JS") == "1"


def missing(message: str):
    """Skip the test, or fail it where the tools are required."""
    if required():
        pytest.fail(f"{message} (HTPM_REQUIRE_JS=1: this check may not be skipped)")
    pytest.skip(message)


def axe_source(axe: Path = AXE) -> str:
    """axe-core's script, to inject into a page."""
    if not axe.exists():
        missing("axe-core is not installed in tests/js (make install-test)")
    return axe.read_text()


def node_for_icaljs(icaljs: Path = ICALJS) -> str:
    """The node binary that runs tests/js/ics_parse.mjs."""
    node = shutil.which("node")
    if node is None or not icaljs.exists():
        missing("node and tests/js/node_modules (npm ci in tests/js) are needed for ical.js")
    return node
