"""Load and fault runs against ``bandwise serve`` on loopback, on SQLite and PostgreSQL.

    python bench/bench_server.py [--postgres URL] [--clients 8] [--requests 250]
                                 [--seconds 20] [--no-fault] [--no-sqlite]

For each database (an SQLite file in a temporary folder; PostgreSQL when ``--postgres``
or ``BANDWISE_TEST_POSTGRES_URL`` gives a URL, whose ``public`` schema is dropped and
recreated first) it starts ``bandwise serve`` on 127.0.0.1 and a free port, creates the
first administrator with ``bandwise users create-admin``, signs in through the API,
changes the one-time password and creates an API token. Then:

* **load run**: ``--clients`` threads (httpx), each at most ``--requests`` requests or
  ``--seconds`` seconds, mix reads and writes. When the server has the case endpoints
  (``/api/cases`` in ``/openapi.json``) a write is a case outcome: create a job with a
  unique reference, open an evaluation case on it and set its 16 factor decisions;
  otherwise a write is ``POST /api/jobs`` alone. Reads are ``GET`` of one job (or case)
  and of a list page. Prints requests per second, p50/p95/p99 latency for reads and
  writes, and errors by status. Every acknowledged write (a 2xx with the id) is then
  checked in the database: present exactly once, with the decisions that were sent;
  no reference appears twice and none that no client sent.
* **fault run**: the same load on the same database; once writes are flowing the
  server's process group gets SIGKILL. The database must pass its integrity check
  (``PRAGMA integrity_check`` and ``foreign_key_check``; on PostgreSQL consistency
  queries), the server restarts on it, and every write acknowledged before the kill
  must be there, exactly once, with exactly one audit event per change (a write
  in flight at the kill may have landed or not, but never half: the audit trail and
  the rows agree for every job and case).

Loopback only; bounded in count and time; child processes are always stopped.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
EMAIL = "bench-admin@example.org"
NEW_PASSWORD = "bench " + secrets.token_urlsafe(18)
WRITE_SHARE = 0.4  # of iterations; a case-outcome write is three requests
#: A valid level per factor to start from; each write varies it within the factor's range.
BASE_LEVELS = (5, 7, 3, 2, 3, 5, 1, 2, 1, 1, 1, 3, 2, 2, 4, 2)

Figure = tuple[str, float, str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _max_levels() -> list[int]:
    from bandwise.scheme import load_scheme

    return [f.max_level for f in load_scheme().factors]


# -- the server process ----------------------------------------------------------------


class Server:
    """``bandwise serve`` in its own process group, on one database."""

    def __init__(self, db_url: str, folder: Path, workers: int = 1) -> None:
        self.db_url, self.folder, self.workers = db_url, folder, workers
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
        self.env.update(
            BANDWISE_DATABASE_URL=db_url,
            BANDWISE_SECRET_KEY=secrets.token_urlsafe(48),
            BANDWISE_ENV="production",
            BANDWISE_DATA_DIR=str(folder),
            BANDWISE_LOG_LEVEL="warning",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.starts = 0

    @staticmethod
    def command(*args: str) -> list[str]:
        return [sys.executable, "-m", "bandwise", *args]

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            self.command(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"bandwise {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def start(self) -> None:
        port = _free_port()
        self.starts += 1
        log = (self.folder / f"server{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [
                *self.command("serve", "--host", HOST, "--port", str(port)),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches every worker
        )
        log.close()
        self.url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.logs()}")
            with suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/api/health", timeout=1.0).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start in {START_TIMEOUT}s:\n{self.logs()}")
            time.sleep(0.1)

    def _signal_group(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or an OOM kill would."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)
            with suppress(ProcessLookupError):  # stray workers of the group
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=10)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-4000:] for p in sorted(self.folder.glob("server*.log"))
        )


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _fresh_postgres(url: str) -> None:
    from sqlalchemy import text

    from bandwise.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _api_token(server: Server) -> str:
    """Create the first administrator, sign in, replace the one-time password, and
    return a new API token."""
    import json

    created = json.loads(server.cli("users", "create-admin", "--email", EMAIL, "--json"))
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        signed = client.post(
            "/api/session", json={"email": EMAIL, "password": created["one_time_password"]}
        )
        signed.raise_for_status()
        csrf = {"X-CSRF-Token": signed.json()["csrf_token"]}
        changed = client.post(
            "/api/me/password",
            json={"current_password": created["one_time_password"], "new_password": NEW_PASSWORD},
            headers=csrf,
        )
        changed.raise_for_status()
        csrf = {"X-CSRF-Token": changed.json()["csrf_token"] or csrf["X-CSRF-Token"]}
        token = client.post("/api/tokens", json={"name": "bench"}, headers=csrf)
        token.raise_for_status()
        return str(token.json()["token"])


# -- the load --------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients did and what the server acknowledged (guarded by ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    sent_refs: set[str] = field(default_factory=set)
    jobs: dict[str, int] = field(default_factory=dict)  # acknowledged: reference -> id
    cases: dict[int, int] = field(default_factory=dict)  # acknowledged: job id -> case id
    decisions: dict[int, list[str]] = field(default_factory=dict)  # acknowledged: case -> levels
    requests: int = 0
    elapsed: float = 0.0

    def record(self, kind: str, seconds: float | None, status: str) -> None:
        """One request: its latency (None when no response came: not a latency sample)
        and its status (an HTTP status, or the transport error's name)."""
        with self.lock:
            if seconds is not None:
                self.latency.setdefault(kind, []).append(seconds)
            self.statuses[f"{kind} {status}"] += 1
            self.requests += 1


class Client(threading.Thread):
    def __init__(
        self,
        number: int,
        url: str,
        token: str,
        tally: Tally,
        tag: str,
        budget: int,
        deadline: float,
        stop: threading.Event,
        cases: bool,
        max_levels: list[int],
    ) -> None:
        super().__init__(name=f"client-{number}", daemon=True)
        self.number, self.tally, self.tag = number, tally, tag
        self.budget, self.deadline, self.stop, self.cases = budget, deadline, stop, cases
        self.max_levels = max_levels
        self.rng = random.Random(f"{tag}-{number}")
        self.http = httpx.Client(
            base_url=url, timeout=15.0, headers={"Authorization": f"Bearer {token}"}
        )
        self.sent = 0
        self.mine: list[tuple[int, int | None]] = []  # (job id, case id) acknowledged

    def running(self) -> bool:
        return (
            self.sent < self.budget and time.monotonic() < self.deadline and not self.stop.is_set()
        )

    def call(self, kind: str, method: str, path: str, body: Any = None) -> httpx.Response | None:
        self.sent += 1
        started = time.perf_counter()
        try:
            response = self.http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            self.tally.record(kind, None, type(exc).__name__)
            time.sleep(0.05)  # the server is down: do not spin
            return None
        self.tally.record(kind, time.perf_counter() - started, str(response.status_code))
        return response

    def run(self) -> None:
        try:
            n = 0
            while self.running():
                n += 1
                if not self.mine or self.rng.random() < WRITE_SHARE:
                    self.write(n)
                else:
                    self.read()
        finally:
            self.http.close()

    def write(self, n: int) -> None:
        ref = f"bench-{self.tag}-{self.number}-{n}"
        with self.tally.lock:
            self.tally.sent_refs.add(ref)
        r = self.call(
            "write job", "POST", "/api/jobs", {"title": f"Bench job {ref}", "reference": ref}
        )
        if r is None or r.status_code != 201:
            return
        job_id = int(r.json()["id"])
        with self.tally.lock:
            self.tally.jobs[ref] = job_id
        if not self.cases:
            self.mine.append((job_id, None))
            return
        if not self.running():
            return
        r = self.call("write case", "POST", "/api/cases", {"job_id": job_id, "kind": "evaluation"})
        if r is None or r.status_code != 201:
            return
        case = r.json()["case"]
        with self.tally.lock:
            self.tally.cases[job_id] = int(case["id"])
        self.mine.append((job_id, int(case["id"])))
        if not self.running():
            return
        levels = [
            str(max(1, min(top, base + self.rng.choice((-1, 0, 0, 1)))))
            for base, top in zip(BASE_LEVELS, self.max_levels, strict=True)
        ]
        body = {
            "version": case["version"],
            "decisions": [
                {"factor": i, "levels": lv, "evidence": f"bench evidence {ref} f{i}"}
                for i, lv in enumerate(levels, start=1)
            ],
        }
        r = self.call("write decisions", "PUT", f"/api/cases/{case['id']}/decisions", body)
        if r is not None and r.status_code == 200:
            with self.tally.lock:
                self.tally.decisions[int(case["id"])] = levels

    def read(self) -> None:
        job_id, case_id = self.rng.choice(self.mine)
        roll = self.rng.random()
        if case_id is not None and roll < 0.5:
            if roll < 0.25:
                self.call("read case", "GET", f"/api/cases/{case_id}")
            else:
                self.call("read preview", "GET", f"/api/cases/{case_id}/preview")
        elif roll < 0.75:
            self.call("read job", "GET", f"/api/jobs/{job_id}")
        else:
            path = "/api/cases" if self.cases else "/api/jobs"
            self.call("read list", "GET", f"{path}?limit=20&offset={self.rng.randrange(0, 200)}")


def _has_cases(url: str) -> bool:
    paths = httpx.get(f"{url}/openapi.json", timeout=10.0).json().get("paths", {})
    return "/api/cases" in paths and "/api/cases/{case_id}/decisions" in paths


def load(
    server: Server,
    token: str,
    tally: Tally,
    tag: str,
    clients: int,
    requests: int,
    seconds: float,
    kill_after: float | None = None,
) -> bool:
    """Run the clients to their budget; with ``kill_after`` (a share), SIGKILL the server
    once that share of the expected writes is acknowledged or of the time has passed.
    True when the case endpoints were used."""
    cases = _has_cases(server.url)
    stop = threading.Event()
    started = time.monotonic()
    deadline = started + seconds
    max_levels = _max_levels()
    threads = [
        Client(i, server.url, token, tally, tag, requests, deadline, stop, cases, max_levels)
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    try:
        if kill_after is not None:
            target = max(
                1, int(kill_after * clients * requests * WRITE_SHARE / (3 if cases else 1))
            )
            kill_at = started + kill_after * seconds
            while time.monotonic() < kill_at and any(t.is_alive() for t in threads):
                with tally.lock:
                    if len(tally.jobs) >= target:
                        break
                time.sleep(0.01)
            server.kill()
            time.sleep(0.5)  # let the clients see the dead server
            stop.set()
        for t in threads:
            t.join(timeout=seconds + 30)
    finally:
        stop.set()
    tally.elapsed += time.monotonic() - started
    return cases


# -- checks on the database ------------------------------------------------------------


def integrity(db_url: str) -> list[str]:
    """Problems the database itself reports (empty when sound)."""
    problems: list[str] = []
    if db_url.startswith("sqlite"):
        import sqlite3

        lite = sqlite3.connect(db_url.split("///", 1)[-1])
        try:
            rows = [r[0] for r in lite.execute("PRAGMA integrity_check")]
            if rows != ["ok"]:
                problems += [f"integrity_check: {r}" for r in rows]
            problems += [
                f"foreign_key_check: {r}" for r in lite.execute("PRAGMA foreign_key_check")
            ]
        finally:
            lite.close()
        return problems
    from sqlalchemy import text

    from bandwise.store.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            for label, sql in (
                (
                    "cases without their job",
                    "SELECT count(*) FROM cases c "
                    "LEFT JOIN jobs j ON j.id = c.job_id WHERE j.id IS NULL",
                ),
                (
                    "decisions without their case",
                    "SELECT count(*) FROM factor_decisions d "
                    "LEFT JOIN cases c ON c.id = d.case_id WHERE c.id IS NULL",
                ),
                (
                    "duplicate decisions",
                    "SELECT count(*) FROM (SELECT case_id, factor "
                    "FROM factor_decisions GROUP BY case_id, factor HAVING count(*) > 1) x",
                ),
            ):
                count = conn.execute(text(sql)).scalar_one()
                if count:
                    problems.append(f"{label}: {count}")
    finally:
        engine.dispose()
    return problems


@dataclass
class Verdict:
    acknowledged: int = 0
    lost: int = 0
    duplicated: int = 0
    phantom: int = 0
    wrong_decisions: int = 0
    audit_mismatch: int = 0
    landed_unacknowledged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.phantom
            or self.wrong_decisions
            or self.audit_mismatch
            or self.problems
        )


def verify(db_url: str, tally: Tally) -> Verdict:
    """Every acknowledged write is in the database exactly once; nothing is duplicated or
    invented; rows and audit trail agree (one event per change, none without its row)."""
    from sqlalchemy import text

    from bandwise.store.db import make_engine

    v = Verdict(acknowledged=len(tally.jobs) + len(tally.cases) + len(tally.decisions))
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            refs: dict[str, list[int]] = {}
            for ref, job_id in conn.execute(
                text("SELECT reference, id FROM jobs WHERE reference LIKE 'bench-%'")
            ):
                refs.setdefault(ref, []).append(job_id)
            cases_of: dict[int, list[int]] = {}
            for job_id, case_id in conn.execute(text("SELECT job_id, id FROM cases")):
                cases_of.setdefault(job_id, []).append(case_id)
            stored: dict[int, dict[int, str]] = {}
            for case_id, factor, levels in conn.execute(
                text("SELECT case_id, factor, levels FROM factor_decisions")
            ):
                stored.setdefault(case_id, {})[factor] = levels
            events: Counter[tuple[str, int]] = Counter(
                {
                    (action, entity_id): count
                    for action, entity_id, count in conn.execute(
                        text(
                            "SELECT action, entity_id, count(*) FROM audit_events WHERE action "
                            "IN ('job.created', 'case.opened', 'case.decisions-changed') "
                            "GROUP BY action, entity_id"
                        )
                    )
                }
            )
    finally:
        engine.dispose()

    for ref, job_id in tally.jobs.items():
        ids = refs.get(ref, [])
        v.lost += job_id not in ids
    v.duplicated += sum(len(ids) - 1 for ids in refs.values() if len(ids) > 1)
    v.phantom += sum(1 for ref in refs if ref not in tally.sent_refs)
    v.landed_unacknowledged += sum(
        1 for ref in refs if ref in tally.sent_refs and ref not in tally.jobs
    )
    for job_id, case_id in tally.cases.items():
        v.lost += case_id not in cases_of.get(job_id, [])
    v.duplicated += sum(len(c) - 1 for c in cases_of.values() if len(c) > 1)
    for case_id, levels in tally.decisions.items():
        got = stored.get(case_id)
        if got is None:
            v.lost += 1
        elif [got.get(i) for i in range(1, 17)] != levels:
            v.wrong_decisions += 1
    # rows and audit trail agree, for acknowledged and unacknowledged writes alike
    all_jobs = {job_id for ids in refs.values() for job_id in ids}
    v.audit_mismatch += sum(events[("job.created", j)] != 1 for j in all_jobs)
    all_cases = {c for j in all_jobs for c in cases_of.get(j, [])}
    v.audit_mismatch += sum(events[("case.opened", c)] != 1 for c in all_cases)
    v.audit_mismatch += sum(
        events[("case.decisions-changed", c)] != (1 if c in stored else 0) for c in all_cases
    )
    v.problems = integrity(db_url)
    return v


def api_sees_all(server: Server, token: str, tally: Tally) -> int:
    """How many acknowledged jobs the restarted server does not list."""
    seen: set[int] = set()
    with httpx.Client(
        base_url=server.url, timeout=30.0, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        offset = 0
        while True:
            page = client.get("/api/jobs", params={"limit": 500, "offset": offset}).json()
            seen.update(int(j["id"]) for j in page["items"])
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                break
    return sum(job_id not in seen for job_id in tally.jobs.values())


# -- reporting -------------------------------------------------------------------------


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def report(name: str, tally: Tally, cases: bool) -> list[Figure]:
    print(
        f"{name}: {tally.requests} requests in {tally.elapsed:.1f} s = "
        f"{tally.requests / tally.elapsed:.1f} req/s "
        f"({'jobs + cases + factor decisions' if cases else 'jobs'})"
    )
    figures: list[Figure] = [
        (f"server {name} throughput", tally.requests / tally.elapsed, "req/s", "")
    ]
    groups: dict[str, list[float]] = {"read": [], "write": []}
    for kind, values in tally.latency.items():
        groups[kind.split()[0]] += values
    groups.update(sorted(tally.latency.items()))
    print(f"  {'request':<18} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, values in groups.items():
        s = sorted(values)
        p50, p95, p99 = (1000 * _percentile(s, p) for p in (50, 95, 99))
        print(f"  {kind:<18} {len(s):>6} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}")
        if kind in ("read", "write"):
            figures += [
                (f"server {name} {kind} p50", p50, "ms", ""),
                (f"server {name} {kind} p99", p99, "ms", ""),
            ]
    bad = {k: n for k, n in tally.statuses.items() if not k.rsplit(" ", 1)[1].startswith("2")}
    print(
        "  errors by status: " + (", ".join(f"{k}: {n}" for k, n in sorted(bad.items())) or "none")
    )
    return figures


def show_verdict(name: str, v: Verdict) -> list[Figure]:
    print(
        f"  {name}: {v.acknowledged} acknowledged writes; lost {v.lost}, duplicated "
        f"{v.duplicated}, phantom {v.phantom}, wrong decisions {v.wrong_decisions}, "
        f"rows without exactly one audit event {v.audit_mismatch}; "
        f"{v.landed_unacknowledged} unacknowledged write(s) landed whole; "
        f"integrity {'ok' if not v.problems else '; '.join(v.problems)} "
        f"-> {'PASS' if v.ok else 'FAIL'}"
    )
    return [(f"server {name} lost+duplicated writes", float(v.lost + v.duplicated), "writes", "0")]


# -- one database ----------------------------------------------------------------------


def run_backend(
    label: str,
    db_url: str,
    folder: Path,
    clients: int,
    requests: int,
    seconds: float,
    fault: bool,
    workers: int = 1,
) -> tuple[list[Figure], bool]:
    server = Server(db_url, folder, workers)
    figures: list[Figure] = []
    ok = True
    try:
        server.cli("db", "upgrade")
        server.start()
        token = _api_token(server)
        tally = Tally()
        cases = load(server, token, tally, "load", clients, requests, seconds)
        figures += report(f"{label} load", tally, cases)
        verdict = verify(db_url, tally)
        figures += show_verdict(f"{label} load", verdict)
        ok &= verdict.ok
        if fault:
            fault_tally = Tally()
            cases = load(
                server, token, fault_tally, "fault", clients, requests, seconds, kill_after=0.3
            )
            report(f"{label} fault (SIGKILL mid-load)", fault_tally, cases)
            problems = integrity(db_url)
            print(f"  after SIGKILL: integrity {'; '.join(problems) or 'ok'}")
            server.start()
            missing = api_sees_all(server, token, tally) + api_sees_all(server, token, fault_tally)
            both = Tally(
                sent_refs=tally.sent_refs | fault_tally.sent_refs,
                jobs={**tally.jobs, **fault_tally.jobs},
                cases={**tally.cases, **fault_tally.cases},
                decisions={**tally.decisions, **fault_tally.decisions},
            )
            verdict = verify(db_url, both)
            verdict.problems = problems + verdict.problems
            print(f"  after restart: the API lists all but {missing} acknowledged job(s)")
            figures += show_verdict(f"{label} fault", verdict)
            ok &= verdict.ok and not missing
    except Exception:
        print(server.logs(), file=sys.stderr)
        raise
    finally:
        server.stop()
    return figures, ok


def run(
    clients: int = 8,
    requests: int = 250,
    seconds: float = 20.0,
    postgres_url: str | None = None,
    sqlite: bool = True,
    fault: bool = True,
    workers: int = 1,
) -> list[Figure]:
    """Both databases (PostgreSQL only with a URL); raises when a check fails."""
    figures: list[Figure] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="bandwise-bench-server-") as tmp:
        if sqlite:
            folder = Path(tmp, "sqlite")
            folder.mkdir()
            f, good = run_backend(
                "sqlite",
                f"sqlite:///{folder / 'bandwise.db'}",
                folder,
                clients,
                requests,
                seconds,
                fault,
                workers,
            )
            figures += f
            ok &= good
        if postgres_url:
            if postgres_url.startswith("postgresql://"):
                postgres_url = "postgresql+psycopg://" + postgres_url[len("postgresql://") :]
            _fresh_postgres(postgres_url)
            folder = Path(tmp, "postgresql")
            folder.mkdir()
            f, good = run_backend(
                "postgresql", postgres_url, folder, clients, requests, seconds, fault, workers
            )
            figures += f
            ok &= good
    if not ok:
        raise SystemExit("bench_server: a write was lost or duplicated, or a check failed")
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BANDWISE_TEST_POSTGRES_URL", ""),
        help="PostgreSQL URL (its public schema is DROPPED and recreated); "
        "default BANDWISE_TEST_POSTGRES_URL",
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=250, help="per client")
    parser.add_argument("--seconds", type=float, default=20.0, help="per run")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--no-fault", action="store_true", help="skip the SIGKILL run")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    run(
        clients=args.clients,
        requests=args.requests,
        seconds=args.seconds,
        postgres_url=args.postgres or None,
        sqlite=not args.no_sqlite,
        fault=not args.no_fault,
        workers=args.workers,
    )


if __name__ == "__main__":
    main()
