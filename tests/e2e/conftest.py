"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Outside CI, a missing Chromium or axe-core skips these tests with one line saying why;
under CI=true it is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

from website.models import HomePage

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "a-long-e2e-password"


def _missing():
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return "axe-core not installed (run `make install`)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if not reason:
        return
    e2e = [item for item in items if "tests/e2e/" in str(item.fspath)]
    if IN_CI:
        raise pytest.UsageError(f"Browser tests cannot run under CI=true: {reason}")
    for item in e2e:
        item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


def pytest_collection_finish(session):
    reason = _missing()
    if reason and not IN_CI:
        session.config.get_terminal_writer().line(f"NOTE: browser tests skipped: {reason}")


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests
    # make (and the database flush after each) are ordinary blocking calls, so Django's
    # async-safety guard is lifted while the browser tests run, which pytest-django
    # orders last.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def site(transactional_db, live_server):
    """The demo site behind a live server. Tests using it are marked
    serialized_rollback=True, so the seeded database is restored before each one."""
    assert HomePage.objects.exists(), "mark the test django_db(serialized_rollback=True)"
    return live_server


@pytest.fixture
def axe_source():
    return AXE.read_text()


def serious_axe_violations(page, axe_source):
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
