"""Shared fixtures. Archives are real files on disk; sites are real builds."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # tests/ helpers such as archive_factory

from archive_factory import write_archive  # noqa: E402
from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

# Fuzz budgets: small by default (CI), `--hypothesis-profile=long` for a long run.
_FUZZ_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=_FUZZ_HEALTH)
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=_FUZZ_HEALTH)
settings.load_profile("ci")


# Every test runs on one fixed day, whatever the machine's clock and time zone: 2026-12-05 17:30 UTC is
# already 2026-12-06 in Beijing, the hour at which a test that mixes the two zones fails.
PINNED_EPOCH = 1796491800
PINNED_BEIJING_DAY = "2026-12-06"


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(PINNED_EPOCH))


@pytest.fixture(autouse=True)
def cli_fails_on_unexpected_exceptions(monkeypatch):
    """Every CLI test fails on an exception the command did not mean to raise.

    click's runner turns any exception into exit code 1, so a traceback-worthy crash
    (say, RuntimeError in serve's clean-up) looks like a refusal to a test that checks
    only the exit code. A command ends by returning or by SystemExit (sys.exit, click's
    own usage errors); anything else is a bug, reported here with its traceback."""
    from click.testing import CliRunner

    invoke = CliRunner.invoke

    def checked_invoke(self, *args, **kwargs):
        result = invoke(self, *args, **kwargs)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback

            trace = "".join(traceback.format_exception(*result.exc_info))
            pytest.fail(f"the command raised {result.exception!r}:\n{trace}\noutput:\n{result.output}")
        return result

    monkeypatch.setattr(CliRunner, "invoke", checked_invoke)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project directory with the repo's site.yaml."""
    root = tmp_path / "project"
    (root / "issues").mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    return root


@pytest.fixture
def shipped_project(tmp_path: Path) -> Path:
    """A copy of the repo's own project files: site.yaml and the shipped issues/."""
    root = tmp_path / "shipped"
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "issues", root / "issues")
    return root


@pytest.fixture(scope="session")
def generated_project(tmp_path_factory) -> Path:
    """A 230-issue archive over five years (2019-2023), shared read-only by the tests of a session."""
    root = tmp_path_factory.mktemp("generated")
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    write_archive(root, 230)
    return root


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
