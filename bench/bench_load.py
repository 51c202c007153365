"""Contended load on ``bandwise serve``: readers and same-version writers on a few shared records.

    python bench/bench_load.py [--clients 8] [--requests 150] [--seconds 30]
                               [--records 3] [--workers 1 2]

Starts ``bandwise serve`` on 127.0.0.1 with an SQLite file in a temporary data folder
(as ``bench_server.py`` does), once per ``--workers`` count, creates the first
administrator and an API token, and ``--records`` jobs each with an evaluation case.
Then ``--clients`` threads (httpx, one connection each), each at most ``--requests``
requests or ``--seconds`` seconds, send a fixed mix on those few shared records:

* reads: ``GET /api/cases/{id}`` (40%) and ``GET /api/jobs`` (20%);
* writes: ``PUT /api/cases/{id}/decisions/{factor}`` (25%) and ``PATCH /api/jobs/{id}``
  (15%), each with the version the client last saw, so clients collide: a stale
  version is a 409, after which the client reads the record again.

Prints requests per second, p50/p95/p99 per kind of request, and the count of 409s and
of 5xx (there must be none). Then it checks that no write was lost: every record's
version is its starting version plus the writes the server acknowledged for it (each
write changes something, so each acknowledged write is one version and one audit event).

Loopback only; bounded in count and time; the server is always stopped.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_server import Server, _api_token, _percentile, running

Figure = tuple[str, float, str, str]
#: The mix: kind of request and its share of a client's requests.
MIX = (("get case", 0.40), ("list jobs", 0.20), ("put decision", 0.25), ("patch job", 0.15))
LEVELS = ["6", "7", "4", "2", "3", "5", "2", "2", "1", "1", "1", "3", "2", "2", "4", "2"]


@dataclass
class Tally:
    """What every client saw (guarded by ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    accepted: Counter[tuple[str, int]] = field(default_factory=Counter)  # (kind, id) -> 2xx
    requests: int = 0

    def record(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)
            self.statuses[f"{kind} {status}"] += 1
            self.requests += 1


@dataclass
class Shared:
    """The records every client works on: job id -> its case id."""

    cases: dict[int, int]
    token: str
    url: str


class Client(threading.Thread):
    def __init__(
        self, n: int, shared: Shared, tally: Tally, requests: int, deadline: float
    ) -> None:
        super().__init__(name=f"client-{n}", daemon=True)
        self.n, self.shared, self.tally = n, shared, tally
        self.requests, self.deadline = requests, deadline
        self.random = random.Random(n)
        self.case_versions: dict[int, int] = {}
        self.job_versions: dict[int, int] = {}
        self.http = httpx.Client(
            base_url=shared.url,
            timeout=30.0,
            headers={"Authorization": f"Bearer {shared.token}"},
        )

    def call(self, kind: str, method: str, path: str, body: object = None) -> httpx.Response:
        start = time.perf_counter()
        response = self.http.request(method, path, json=body)
        self.tally.record(kind, time.perf_counter() - start, response.status_code)
        return response

    def read_case(self, case_id: int) -> None:
        response = self.call("get case", "GET", f"/api/cases/{case_id}")
        if response.status_code == 200:
            self.case_versions[case_id] = response.json()["case"]["version"]

    def read_job(self, job_id: int) -> None:
        response = self.call("get job", "GET", f"/api/jobs/{job_id}")
        if response.status_code == 200:
            self.job_versions[job_id] = response.json()["version"]

    def run(self) -> None:
        kinds, weights = zip(*MIX, strict=True)
        jobs = list(self.shared.cases)
        try:
            for i in range(self.requests):
                if time.monotonic() > self.deadline:
                    break
                kind = self.random.choices(kinds, weights)[0]
                job_id = self.random.choice(jobs)
                case_id = self.shared.cases[job_id]
                if kind == "get case":
                    self.read_case(case_id)
                elif kind == "list jobs":
                    self.call(kind, "GET", "/api/jobs?limit=50")
                elif kind == "put decision":
                    self.put_decision(case_id, i)
                else:
                    self.patch_job(job_id, i)
        finally:
            self.http.close()

    def put_decision(self, case_id: int, i: int) -> None:
        if case_id not in self.case_versions:
            self.read_case(case_id)
        factor = self.random.randint(1, 16)
        body = {
            "version": self.case_versions[case_id],
            "levels": LEVELS[factor - 1],
            "evidence": f"client {self.n} request {i}",  # unique: every write is a change
        }
        response = self.call(
            "put decision", "PUT", f"/api/cases/{case_id}/decisions/{factor}", body
        )
        if response.status_code == 200:
            self.case_versions[case_id] = response.json()["case"]["version"]
            with self.tally.lock:
                self.tally.accepted["case", case_id] += 1
        elif response.status_code == 409:
            self.read_case(case_id)

    def patch_job(self, job_id: int, i: int) -> None:
        if job_id not in self.job_versions:
            self.read_job(job_id)
        body = {"version": self.job_versions[job_id], "department": f"client {self.n} req {i}"}
        response = self.call("patch job", "PATCH", f"/api/jobs/{job_id}", body)
        if response.status_code == 200:
            self.job_versions[job_id] = response.json()["version"]
            with self.tally.lock:
                self.tally.accepted["job", job_id] += 1
        elif response.status_code == 409:
            self.read_job(job_id)


def _setup(url: str, token: str, records: int) -> tuple[Shared, dict[tuple[str, int], int]]:
    """``records`` jobs, each with an evaluation case holding all sixteen decisions; the
    starting version of each."""
    headers = {"Authorization": f"Bearer {token}"}
    cases: dict[int, int] = {}
    start: dict[tuple[str, int], int] = {}
    with httpx.Client(base_url=url, timeout=30.0, headers=headers) as http:
        for n in range(records):
            job = http.post("/api/jobs", json={"title": f"Load job {n}", "reference": f"L-{n}"})
            job.raise_for_status()
            job_id = job.json()["id"]
            case = http.post("/api/cases", json={"job_id": job_id, "kind": "evaluation"})
            case.raise_for_status()
            decisions = [
                {"factor": f, "levels": lv, "evidence": "start"}
                for f, lv in enumerate(LEVELS, start=1)
            ]
            body = {"version": case.json()["case"]["version"], "decisions": decisions}
            done = http.put(f"/api/cases/{case.json()['case']['id']}/decisions", json=body)
            done.raise_for_status()
            cases[job_id] = done.json()["case"]["id"]
            start["case", cases[job_id]] = done.json()["case"]["version"]
            start["job", job_id] = job.json()["version"]
    return Shared(cases, token, url), start


def _lost_writes(
    shared: Shared, token: str, tally: Tally, start: dict[tuple[str, int], int]
) -> int:
    """Records whose version is not their start plus the writes acknowledged for them."""
    lost = 0
    with httpx.Client(
        base_url=shared.url, timeout=30.0, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        for job_id, case_id in shared.cases.items():
            case = http.get(f"/api/cases/{case_id}").json()["case"]["version"]
            job = http.get(f"/api/jobs/{job_id}").json()["version"]
            lost += case != start["case", case_id] + tally.accepted["case", case_id]
            lost += job != start["job", job_id] + tally.accepted["job", job_id]
    return lost


def run_once(
    workers: int, clients: int = 8, requests: int = 150, seconds: float = 30.0, records: int = 3
) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bandwise-bench-load-") as tmp:
        folder = Path(tmp)
        server = Server(f"sqlite:///{folder / 'bench.db'}", folder, workers=workers)
        with running(server):
            token = _api_token(server)
            shared, start = _setup(server.url, token, records)
            tally = Tally()
            deadline = time.monotonic() + seconds
            threads = [Client(n, shared, tally, requests, deadline) for n in range(clients)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=seconds + 60)
            elapsed = time.perf_counter() - began
            lost = _lost_writes(shared, token, tally, start)
    return report(workers, clients, records, tally, elapsed, lost)


def report(
    workers: int, clients: int, records: int, tally: Tally, elapsed: float, lost: int
) -> list[Figure]:
    name = f"load sqlite, {workers} worker{'s' if workers > 1 else ''}"
    rate = tally.requests / elapsed
    print(
        f"{name}: {clients} clients on {records} shared jobs and cases, "
        f"{tally.requests} requests in {elapsed:.1f} s = {rate:.1f} req/s"
    )
    print(f"  {'request':<13} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'409':>5}")
    for kind, values in sorted(tally.latency.items()):
        s = sorted(values)
        p50, p95, p99 = (1000 * _percentile(s, p) for p in (50, 95, 99))
        conflicts = tally.statuses[f"{kind} 409"]
        print(f"  {kind:<13} {len(s):>6} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {conflicts:>5}")
    conflicts = sum(n for k, n in tally.statuses.items() if k.endswith(" 409"))
    server_errors = sum(n for k, n in tally.statuses.items() if k.rsplit(" ", 1)[1][0] == "5")
    other = {k: n for k, n in tally.statuses.items() if k.rsplit(" ", 1)[1] not in ("200", "409")}
    accepted = sum(tally.accepted.values())
    print(
        f"  writes accepted {accepted}, 409 conflicts {conflicts}, 5xx {server_errors}"
        f"{' (MUST BE 0)' if server_errors else ''}, records with a lost write {lost}"
        f"{' (MUST BE 0)' if lost else ''}"
    )
    if other:
        print("  other statuses: " + ", ".join(f"{k}: {n}" for k, n in sorted(other.items())))
    return [
        (f"{name} throughput", rate, "req/s", ""),
        (f"{name} 409 conflicts", float(conflicts), "writes", ""),
        (f"{name} 5xx", float(server_errors), "writes", "0"),
        (f"{name} records with a lost write", float(lost), "writes", "0"),
    ]


def run(
    workers: tuple[int, ...] = (1, 2),
    clients: int = 8,
    requests: int = 150,
    seconds: float = 30.0,
    records: int = 3,
) -> list[Figure]:
    figures: list[Figure] = []
    for count in workers:
        figures += run_once(count, clients, requests, seconds, records)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument(
        "--requests", type=int, default=150, help="requests per client at most (default 150)"
    )
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="time per run at most (default 30)"
    )
    parser.add_argument(
        "--records", type=int, default=3, help="shared jobs (each with a case), default 3"
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="server worker counts (1 2)"
    )
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 64 and 1 <= args.requests <= 10_000 and args.seconds <= 600):
        parser.error("at most 64 clients, 10000 requests each and 600 seconds")
    figures = run(tuple(args.workers), args.clients, args.requests, args.seconds, args.records)
    if any(name.endswith(("5xx", "lost write")) and value for name, value, *_ in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
