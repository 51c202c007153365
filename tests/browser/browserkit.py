"""Driving Debian's chromium with Playwright, and the checks every browser test shares.

* :func:`launch` starts ``/usr/bin/chromium`` headless (never a downloaded browser) with a
  fresh temporary profile (Playwright makes one per launch and deletes it on close).
* :func:`sign_in` / :func:`sign_out` go through the real forms.
* :func:`axe_check` runs axe-core (``node_modules/axe-core``, from package-lock.json) on the
  page as it is now: WCAG 2.0/2.1 A and AA rules; any serious or critical violation fails
  the test with the rule, its help text and the elements. It also asks for exactly one h1.
* :func:`shot` saves a full-page screenshot to ``test-artifacts/screenshots/<test>-<name>.png``.
* :func:`focused` describes the element with keyboard focus (for keyboard walks).
* :func:`pdf_text` reads a downloaded PDF's text with pdftotext (``with
  page.expect_download() as d: <click>`` then ``pdf_text(Path(d.value.path()))``).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Protocol

from playwright.sync_api import Browser, Page, Playwright

from .serverkit import BrowserUser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("BANDWISE_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VENDOR_CSS = ROOT / "src/bandwise/web/static/vendor/nhsuk/nhsuk-frontend.min.css"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})
#: Playwright's default (30 s) hides a hung page for too long; the server is local.
TIMEOUT_MS = 10_000


class BrowseAs(Protocol):
    """The ``browse_as`` fixture: a tab in a new context, signed in as ``user_key`` (a
    ``live_server.user`` key) or anonymous (None); ``javascript=False`` for a browser with
    scripting off (every page must work without it)."""

    def __call__(self, user_key: str | None, *, javascript: bool = True) -> Page: ...


def missing_prerequisites() -> list[str]:
    """What the browser tests need and this machine lacks, with the command that fixes it."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (run scripts/browser-test-deps)")
    if shutil.which("pdftotext") is None:
        missing.append("pdftotext (run scripts/browser-test-deps)")
    if not AXE_JS.is_file():
        missing.append(f"{AXE_JS.relative_to(ROOT)} (run scripts/vendor-assets)")
    if not VENDOR_CSS.is_file():
        missing.append("the NHS.UK frontend in static/vendor (run scripts/vendor-assets)")
    return missing


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        chromium_sandbox=False,
    )


def current_test() -> str:
    """The running test's name, safe for a file name (``test_x-param``)."""
    raw = os.environ.get("PYTEST_CURRENT_TEST", "unknown").split(" ")[0]
    name = raw.split("::")[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "unknown"


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot ``test-artifacts/screenshots/<test>-<name>.png`` (CI keeps
    the folder as an artefact; it is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{current_test()}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, user: BrowserUser, password: str | None = None) -> None:
    """Sign in through the form; lands on the dashboard (or wherever ``next`` says, or the
    change-password page for a one-time password). Uses the sign-in page already open (so
    its ``next`` holds), else opens it. Fails if the form says no."""
    if not page.url.split("?")[0].endswith("/sign-in"):
        page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password or user.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/sign-in" in page.url:
        summary = page.locator(".nhsuk-error-summary")
        said = summary.inner_text() if summary.count() else page.title()
        raise AssertionError(f"could not sign in as {user.email}: {said}")


def sign_out(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def csrf_token(page: Page) -> str:
    """The page's CSRF token (``<meta name="csrf-token">``), for requests a test builds."""
    return str(page.locator('meta[name="csrf-token"]').get_attribute("content") or "")


def focused(page: Page) -> dict[str, Any]:
    """The element with focus: tag, id, text, href (for keyboard walks)."""
    return dict(
        page.evaluate(
            """() => { const e = document.activeElement; return e ? {
                tag: e.tagName.toLowerCase(), id: e.id || "", name: e.getAttribute("name") || "",
                text: (e.innerText || e.value || "").trim().slice(0, 80),
                href: e.getAttribute("href") || "", classes: e.className || ""} : {} }"""
        )
    )


def pdf_text(path: Path) -> str:
    """The text of a PDF, laid out as on the page (``pdftotext -layout``)."""
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode("utf-8")


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:240]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def axe_check(page: Page, name: str, *, one_h1: bool = True) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; fail on serious or critical WCAG 2.1 A/AA
    violations (minor and moderate ones are printed). ``name`` labels the report and the
    screenshot saved when it fails. Returns every violation axe found.

    axe is injected with ``page.evaluate`` (not a ``<script>`` tag): the app's CSP refuses
    inline scripts without the nonce, and an evaluated script is outside the CSP."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                               resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target,
                html: n.html, failureSummary: n.failureSummary}))}));
        }""",
        AXE_TAGS,
    )
    violations: list[dict[str, Any]] = list(result)
    bad = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    mild = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
    if mild:
        print(f"axe {name} ({page.url}): minor/moderate\n{_describe(mild)}")
    problems = []
    if bad:
        problems.append(f"serious or critical accessibility violations:\n{_describe(bad)}")
    if one_h1:
        headings = page.locator("h1").count()
        if headings != 1:
            problems.append(f"the page has {headings} h1 headings, not one")
    if problems:
        saved = shot(page, f"axe-{name}")
        raise AssertionError(
            f"axe {name} ({page.url}), screenshot {saved}:\n" + "\n".join(problems)
        )
    return violations
