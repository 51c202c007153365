"""What one test pays for its database and for one command line run, before and after
the test suite's templates (figures only; nothing is asserted).

    python bench/bench_test_databases.py [--runs N]

* SQLite: an Alembic upgrade of a new file (what every database test used to run)
  against a byte copy of a migrated file (``tests/dbfixtures.py``'s ``sqlite_template``).
* PostgreSQL, when ``BANDWISE_TEST_POSTGRES_URL`` is set (its public schema is dropped and
  recreated): drop + Alembic upgrade, drop + replay of the recorded statements, and
  emptying the tables (``tests/pgtemplate.py``: what a test pays when the one before it
  left the schema alone).
* The command line: ``python -m bandwise score ...`` in a new process against
  ``bandwise.cli.main`` in-process (``tests/clikit.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bandwise.store.db import make_engine  # noqa: E402
from bandwise.store.migrate import upgrade  # noqa: E402
from clikit import run_main  # noqa: E402
from pgtemplate import PostgresTemplate, drop_public_schema  # noqa: E402

LEVELS = "5,7,3,2,3,5,1,2,1,1,1,3,2,2,4,2"


def median_ms(runs: int, action: Callable[[int], object]) -> float:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def sqlite_figures(runs: int, folder: Path) -> dict[str, float]:
    template = folder / "template.db"
    upgrade(f"sqlite:///{template}")
    return {
        "sqlite: Alembic upgrade per test": median_ms(
            runs, lambda i: upgrade(f"sqlite:///{folder / f'up{i}.db'}")
        ),
        "sqlite: copy of the template": median_ms(
            runs, lambda i: shutil.copyfile(template, folder / f"copy{i}.db")
        ),
    }


def postgres_figures(runs: int, url: str) -> dict[str, float]:
    engine = make_engine(url)
    template = PostgresTemplate(engine)

    def fresh_upgrade(_: int) -> None:
        with engine.begin() as conn:
            drop_public_schema(conn)
        upgrade(url)

    figures = {
        "postgresql: drop + Alembic upgrade per test": median_ms(runs, fresh_upgrade),
        "postgresql: drop + replay of the recording": median_ms(
            runs, lambda _: template.recorded.replay(engine)
        ),
    }
    template.fresh()  # the first after a rebuild by others takes the fingerprint
    figures["postgresql: emptied tables (PostgresTemplate.fresh)"] = median_ms(
        runs, lambda _: template.fresh()
    )
    engine.dispose()
    return figures


def cli_figures(runs: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bandwise", "score", "--levels", LEVELS, "--json"]
    run_main("score", "--levels", LEVELS, "--json")  # warm the imports, as a suite would
    return {
        "cli: python -m bandwise in a new process": median_ms(
            max(3, runs // 5), lambda _: subprocess.run(command, capture_output=True, check=True)
        ),
        "cli: main() in-process": median_ms(
            runs, lambda _: run_main("score", "--levels", LEVELS, "--json")
        ),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures = sqlite_figures(args.runs, Path(tmp))
    url = os.environ.get("BANDWISE_TEST_POSTGRES_URL", "")
    if url:
        figures |= postgres_figures(args.runs, url)
    figures |= cli_figures(args.runs)
    width = max(map(len, figures))
    for name, ms in figures.items():
        print(f"{name:<{width}}  {ms:8.1f} ms (median of runs)")


if __name__ == "__main__":
    main()
