"""The matching workspace in a real browser: page height, key presses, autosave and live
update times.

    python bench/bench_workspace.py [--requests 200] [--shots DIR]

Starts ``bandwise serve`` on loopback with an SQLite file (as ``bench_web_form.py``),
creates the first administrator, opens match cases on the built-in Arts Therapist
profile, and drives Debian's chromium (``/usr/bin/chromium``) with Playwright:

* **page height**: the full height of ``/cases/{id}/form`` (an empty match case, nothing
  expanded) at 1280×900 and 390×844, and of a filled one at 1280×900;
* **key presses**: a 16-factor match from the empty form to a saved draft with the
  keyboard alone, two variations (factors 3 and 12) with evidence on those two: the
  keys pressed (shortcuts, Enter, arrows) and the characters typed, counted apart;
* **autosave round trip**: ``POST /cases/{id}/form/autosave`` ``--requests`` times, one
  at a time, each changing the evidence (a real save with the case version), p50/p95;
* **live update**: ``POST /cases/{id}/form/preview`` (htmx) ``--requests`` times, p95.

Prints the figures. ``--shots DIR`` also saves screenshots of the form at both sizes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_server import EMAIL, NEW_PASSWORD, Server, running
from bench_web_form import LEVELS, _percentile, _signed_in

Figure = tuple[str, float, str, str]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
#: The two variations of the key-press run: factor 3 at 5 and factor 12 at 4.
VARIATIONS = {3: "5", 12: "4"}


def _new_case(client: httpx.Client, headers: dict[str, str], n: int) -> int:
    job = client.post(
        "/api/jobs", json={"title": f"Arts Therapist {n}", "reference": f"WS-{n}"}, headers=headers
    )
    job.raise_for_status()
    case = client.post(
        "/api/cases",
        json={"job_id": job.json()["id"], "kind": "match", "profile_id": "arts-therapist"},
        headers=headers,
    )
    case.raise_for_status()
    return int(case.json()["case"]["id"])


def _height(page: Page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


class Keys:
    """Presses keys on a page, counting presses and typed characters apart."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.presses = 0
        self.typed = 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.presses += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.typed += len(text)


def keyboard_match(page: Page, base: str, case_id: int) -> Keys:
    """From the empty form: start from the profile, pick each range, two variations with
    evidence, save; keyboard only."""
    page.goto(f"{base}/cases/{case_id}/form")
    page.wait_for_selector("html.bw-js")
    keys = Keys(page)
    keys.press("Alt+KeyA")  # start from the profile: the first range is in focus
    for n in (9, 11, 13, 14, 16):
        assert page.evaluate("() => document.activeElement.id") == f"levels_{n}"
        keys.type(LEVELS[n - 1])
        if n != 16:
            keys.press("Alt+KeyN")
    for n, steps in ((12, 4), (3, 9)):
        keys.press("Alt+ArrowUp", steps)
        assert page.evaluate("() => document.activeElement.id") == f"levels_{n}"
        keys.type(VARIATIONS[n])
        keys.press("Enter")
        keys.type(f"Evidence for the variation on factor {n}.")
    with page.expect_navigation():
        keys.press("Alt+KeyS")
    assert "saved=1" in page.url, page.url
    return keys


def measure_browser(base: str, cases: list[int], shots: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for width, height in ((1280, 900), (390, 844), (1920, 1080)):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(f"{base}/sign-in")
                page.get_by_label("Email address").fill(EMAIL)
                page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
                with page.expect_navigation():
                    page.get_by_role("button", name="Sign in").click()
                page.goto(f"{base}/cases/{cases[0]}/form")
                page.wait_for_selector("html.bw-js")
                out[f"empty {width}"] = _height(page)
                if shots:
                    page.screenshot(path=str(shots / f"empty-{width}.png"), full_page=True)
                if width == 1280:
                    keys = keyboard_match(page, base, cases[1])
                    out["keys"] = keys.presses
                    out["typed"] = keys.typed
                    out[f"filled {width}"] = _height(page)
                    if shots:
                        page.screenshot(path=str(shots / "saved-1280.png"), full_page=False)
                        page.screenshot(path=str(shots / "saved-1280-full.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    return out


def measure_http(client: httpx.Client, csrf: str, case_id: int, requests: int) -> dict[str, Any]:
    version = int(client.get(f"/api/cases/{case_id}").json()["case"]["version"])
    saves: list[float] = []
    previews: list[float] = []
    for i in range(requests + 5):
        data = {f"levels_{n}": lv for n, lv in enumerate(LEVELS, start=1)}
        data |= {f"evidence_{n}": f"Evidence {n}, round {i}." for n in range(1, 17)}
        data |= {"version": str(version), "csrf_token": csrf}
        start = time.perf_counter()
        response = client.post(f"/cases/{case_id}/form/autosave", data=data)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"autosave {response.status_code}: {response.text[:300]}")
        version = int(response.json()["version"])
        levels = list(LEVELS)
        levels[2] = ("4", "5", "2")[i % 3]
        data |= {f"levels_{n}": lv for n, lv in enumerate(levels, start=1)}
        start = time.perf_counter()
        preview = client.post(
            f"/cases/{case_id}/form/preview",
            data=data,
            headers={"HX-Request": "true", "X-CSRF-Token": csrf},
        )
        preview_ms = (time.perf_counter() - start) * 1000
        if preview.status_code != 200 or "live-total" not in preview.text:
            raise RuntimeError(f"preview {preview.status_code}")
        if i >= 5:
            saves.append(elapsed)
            previews.append(preview_ms)
    return {
        "autosave p50": _percentile(saves, 0.5),
        "autosave p95": _percentile(saves, 0.95),
        "preview p50": _percentile(previews, 0.5),
        "preview p95": _percentile(previews, 0.95),
    }


def run(requests: int = 200, shots: Path | None = None) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bandwise-bench-workspace-") as tmp:
        folder = Path(tmp)
        server = Server(f"sqlite:///{folder / 'bench.db'}", folder)
        with running(server):
            client, csrf = _signed_in(server)
            try:
                headers = {"X-CSRF-Token": csrf}
                cases = [_new_case(client, headers, n) for n in range(3)]
                if shots:
                    shots.mkdir(parents=True, exist_ok=True)
                seen = measure_browser(server.url, cases, shots)
                timed = measure_http(client, csrf, cases[2], requests)
            finally:
                client.close()
    print(
        f"workspace page height (empty match case, nothing expanded): "
        f"{seen['empty 1280']} px at 1280x900, {seen['empty 390']} px at 390x844, "
        f"{seen['empty 1920']} px at 1920x1080; saved after the keyboard run: "
        f"{seen['filled 1280']} px at 1280x900"
    )
    print(
        f"keyboard-only match (16 factors, 2 variations with evidence, saved): "
        f"{seen['keys']} key presses plus {seen['typed']} characters typed"
    )
    print(
        f"autosave round trip ({requests}): p50 {timed['autosave p50']:.1f} ms, "
        f"p95 {timed['autosave p95']:.1f} ms; live update p50 {timed['preview p50']:.1f} ms, "
        f"p95 {timed['preview p95']:.1f} ms"
    )
    return [
        ("workspace height 1280x900", float(seen["empty 1280"]), "px", ""),
        ("workspace height 390x844", float(seen["empty 390"]), "px", ""),
        ("keyboard match key presses", float(seen["keys"]), "keys", ""),
        ("autosave p50", timed["autosave p50"], "ms", ""),
        ("autosave p95", timed["autosave p95"], "ms", ""),
        ("live update p95", timed["preview p95"], "ms", ""),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--shots", type=Path, default=None)
    args = parser.parse_args(argv)
    run(requests=args.requests, shots=args.shots)


if __name__ == "__main__":
    main()
