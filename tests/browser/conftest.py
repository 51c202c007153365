"""Browser tests: Playwright drives Debian's chromium against a real bandwise server.

Prerequisites (``scripts/browser-test-deps`` installs them; ``.ci/run`` runs it):
``/usr/bin/chromium`` (never a downloaded browser: do not run ``playwright install``),
``pdftotext`` (poppler-utils), and ``node_modules/axe-core`` plus the NHS.UK frontend in
``static/vendor`` (``scripts/vendor-assets``). When one is missing every browser test
FAILS with the command to run, in CI and locally alike; only with
``BANDWISE_BROWSER_TESTS=skip`` do they skip instead (for a machine without chromium).
Every test here is marked ``browser``: ``pytest -m "not browser"`` leaves them out.

One server and one browser per test session, so the suite stays quick:

``live_server`` (session)
    :class:`~browser.serverkit.LiveServer`: uvicorn in a subprocess on a free loopback
    port, a temporary data folder and SQLite database, a real secret. ``.url``; ``.db`` (a
    services ``Database`` on the same file: build records with the services, e.g.
    ``tests/workflowkit.py``, then look at them in the browser); ``.user(key)`` for
    ``admin``, ``lead`` (je-lead), ``management``, ``management2``, ``staff``, ``staff2``
    (the two sides' practitioners), ``checker``, ``viewer``: each a
    :class:`~browser.serverkit.BrowserUser` with ``email``, ``password``, ``actor``;
    ``.new_user(role, side)`` makes an account with a one-time password;
    ``.log_tail()``. The database lives for the whole session: make what your test needs
    (new jobs, cases) rather than expecting an empty one.
``browser`` (session)
    The chromium instance.
``page`` (per test)
    An anonymous tab in a fresh context (own cookies), ``base_url`` set, so
    ``page.goto("/sign-in")`` works.
``browse_as`` (per test)
    ``browse_as("lead")`` → a tab in a new context already signed in as that user through
    the sign-in form; ``browse_as(None)`` → another anonymous tab;
    ``browse_as("lead", javascript=False)`` → scripting off (pages must work without it).
    Several users at once (e.g. a case approved by a different user) each get their own
    cookie jar. Annotate it as :class:`browser.browserkit.BrowseAs`.

Helpers in :mod:`browser.browserkit` (plain functions, ``from browser.browserkit import``):
``sign_in(page, user)``, ``sign_out(page)``, ``axe_check(page, "name")`` (axe-core WCAG 2.1
A/AA on the page as it is now; fails on serious/critical, and on anything but one h1),
``shot(page, "step")`` (full-page screenshot to
``test-artifacts/screenshots/<test>-<step>.png``, git-ignored; CI keeps the folder as
build artefacts), ``csrf_token(page)``, ``focused(page)`` (the element with keyboard focus),
``pdf_text(path)`` (a downloaded PDF's text, by pdftotext).

When a test fails, every tab it opened is screenshotted
(``<test>-failure-<n>.png``) and the server log's tail is added to the report.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from .browserkit import TIMEOUT_MS, BrowseAs, launch, missing_prerequisites, shot, sign_in
from .serverkit import LiveServer
from .serverkit import live_server as start_live_server

HERE = Path(__file__).resolve().parent
SKIP_VARIABLE = "BANDWISE_BROWSER_TESTS"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_OUTCOME] = report.failed
    if report.failed and HERE in Path(str(item.path)).resolve().parents:
        server = getattr(item, "funcargs", {}).get("live_server")
        if isinstance(server, LiveServer) and server.log_tail():
            report.sections.append(("bandwise server log (tail)", server.log_tail()))
    return report


_OUTCOME = pytest.StashKey[bool]()


class NewContext(Protocol):
    def __call__(self, javascript: bool = True) -> BrowserContext: ...


@pytest.fixture(scope="session")
def _prerequisites() -> None:
    missing = missing_prerequisites()
    if not missing:
        return
    message = "browser tests need: " + "; ".join(missing)
    if os.environ.get(SKIP_VARIABLE, "").strip().lower() == "skip":
        pytest.skip(f"{message} ({SKIP_VARIABLE}=skip)")
    pytest.fail(f"{message}. To skip them on this machine set {SKIP_VARIABLE}=skip.")


@pytest.fixture(scope="session")
def live_server(
    _prerequisites: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with start_live_server(tmp_path_factory.mktemp("live-server")) as server:
        yield server


@pytest.fixture(scope="session")
def _playwright(_prerequisites: None) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright: Playwright) -> Iterator[Browser]:
    chromium = launch(_playwright)
    yield chromium
    chromium.close()


@pytest.fixture
def _contexts(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[NewContext]:
    """Makes fresh contexts for one test; screenshots their tabs if the test failed."""
    made: list[BrowserContext] = []

    def new_context(javascript: bool = True) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            java_script_enabled=javascript,
        )
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield new_context
    failed = request.node.stash.get(_OUTCOME, False)
    number = 0
    for context in made:
        for tab in context.pages:
            if failed:
                number += 1
                try:
                    shot(tab, f"failure-{number}")
                except Exception as exc:  # a crashed tab must not hide the real failure
                    print(f"no failure screenshot of {tab.url}: {exc}")
        context.close()


@pytest.fixture
def page(_contexts: NewContext) -> Page:
    return _contexts().new_page()


@pytest.fixture
def browse_as(_contexts: NewContext, live_server: LiveServer) -> BrowseAs:
    def open_tab(user_key: str | None, *, javascript: bool = True) -> Page:
        tab = _contexts(javascript).new_page()
        if user_key is not None:
            sign_in(tab, live_server.user(user_key))
        return tab

    return open_tab
