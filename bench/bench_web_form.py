"""Server time of the matching form's live update: ``POST /cases/{id}/form/preview``.

    python bench/bench_web_form.py [--requests 300]

Starts ``bandwise serve`` on loopback with an SQLite file (as ``bench_server.py`` does),
creates the first administrator, signs in as a browser would (session cookie and CSRF
token), opens a match case on the built-in Arts Therapist profile, then sends the form's
htmx request (sixteen levels and evidence, ``HX-Request: true``) ``--requests`` times,
one at a time, varying one factor each time so the verdict moves between profile match,
match with variation and no match (a failing match also ranks the nearest other
profiles, the slowest path). Prints p50/p95/p99 in milliseconds, measured at the client
over loopback.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_server import EMAIL, NEW_PASSWORD, Server, running

Figure = tuple[str, float, str, str]
#: Arts Therapist at its lowest levels: a profile match, total 475, band 7.
LEVELS = ["6", "7", "4", "2", "3", "5", "2", "2", "1", "1", "1", "3", "2", "2", "4", "2"]
#: Factor 3 at these levels: match, variation, mismatch (no match: nearest profiles too).
VARIANTS = ("4", "5", "2")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _signed_in(server: Server) -> tuple[httpx.Client, str]:
    created = json.loads(server.cli("users", "create-admin", "--email", EMAIL, "--json"))
    client = httpx.Client(base_url=server.url, timeout=30.0)
    signed = client.post(
        "/api/session", json={"email": EMAIL, "password": created["one_time_password"]}
    )
    signed.raise_for_status()
    changed = client.post(
        "/api/me/password",
        json={"current_password": created["one_time_password"], "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": signed.json()["csrf_token"]},
    )
    changed.raise_for_status()
    return client, str(changed.json()["csrf_token"] or signed.json()["csrf_token"])


def run(requests: int = 300) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bandwise-bench-form-") as tmp:
        folder = Path(tmp)
        server = Server(f"sqlite:///{folder / 'bench.db'}", folder)
        with running(server):
            client, csrf = _signed_in(server)
            try:
                headers = {"X-CSRF-Token": csrf}
                job = client.post(
                    "/api/jobs",
                    json={"title": "Arts Therapist", "reference": "BENCH-1"},
                    headers=headers,
                )
                job.raise_for_status()
                case = client.post(
                    "/api/cases",
                    json={
                        "job_id": job.json()["id"],
                        "kind": "match",
                        "profile_id": "arts-therapist",
                    },
                    headers=headers,
                )
                case.raise_for_status()
                url = f"/cases/{case.json()['case']['id']}/form/preview"
                htmx = {**headers, "HX-Request": "true"}
                evidence = "The post holder " + "plans and delivers therapy sessions. " * 20
                times: list[float] = []
                verdicts: set[str] = set()
                for i in range(requests + 10):  # the first ten warm up
                    levels = list(LEVELS)
                    levels[2] = VARIANTS[i % len(VARIANTS)]
                    data = {f"levels_{n}": lv for n, lv in enumerate(levels, start=1)}
                    data.update({f"evidence_{n}": evidence for n in range(1, 17)})
                    start = time.perf_counter()
                    response = client.post(url, data=data, headers=htmx)
                    elapsed = time.perf_counter() - start
                    if response.status_code != 200 or "live-total" not in response.text:
                        raise RuntimeError(f"preview failed: {response.status_code}")
                    for verdict in ("profile match", "match with variation", "no match"):
                        if verdict in response.text:
                            verdicts.add(verdict)
                    if i >= 10:
                        times.append(elapsed * 1000)
            finally:
                client.close()
    p50, p95, p99 = (_percentile(times, q) for q in (0.5, 0.95, 0.99))
    print(
        f"form preview ({len(times)} requests, verdicts seen: {', '.join(sorted(verdicts))}): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
        f"mean {statistics.fmean(times):.1f} ms"
    )
    return [
        ("form preview p50", p50, "ms", ""),
        ("form preview p95", p95, "ms", ""),
        ("form preview p99", p99, "ms", ""),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    run(requests=args.requests)


if __name__ == "__main__":
    main()
