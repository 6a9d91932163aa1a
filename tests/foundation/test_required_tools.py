"""Under CI (HTPM_REQUIRE_JS=1, set by .ci/run) a missing npm tool fails the tests that need
it instead of skipping them; on a developer's machine they skip with a message."""

from pathlib import Path

import pytest

from .. import jstools


@pytest.mark.parametrize(
    "need", [lambda p: jstools.axe_source(p), lambda p: jstools.node_for_icaljs(p)]
)
def test_a_missing_tool_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path, need):
    nowhere = Path(tmp_path / "not-installed")
    monkeypatch.setenv("HTPM_REQUIRE_JS", "1")
    with pytest.raises(pytest.fail.Exception, match="may not be skipped"):
        need(nowhere)
    monkeypatch.delenv("HTPM_REQUIRE_JS")
    with pytest.raises(pytest.skip.Exception):
        need(nowhere)


def test_ci_requires_the_tools():
    ci = (Path(__file__).parents[2] / ".ci" / "run").read_text()
    assert "HTPM_REQUIRE_JS=1" in ci
