"""Where an import's CPU goes, part by part (issue #11): what each event costs before the
hub's own code runs, set against the budget that 2 000 events/s leaves on this machine.

For the 10 000-row CSV of ``bench/import_bench.py`` (``bench/january.py``, seed 2027) it
times, in CPU seconds of this process:

  * reading the rows (``csv.DictReader``);
  * checking them: :class:`EventForm`, the submission form's rules (SPEC §6), through
    the importer's own loop (``validate_rows``);
  * the plain text of each description (``markdown_to_text``), and markdown-it-py's parse
    alone, which it needs;
  * the search index: on SQLite the FTS5 insert of each title and description (in a
    table of its own, committed), on PostgreSQL ``to_tsvector`` of both (the trigger's
    document) in the server, timed by the server processes' CPU (``/proc``, the cluster
    runs on this machine);
  * the whole ``flask imports file`` (in-process), with the PostgreSQL server's CPU.

Run from the repository root:

    .venv/bin/python bench/import_floor.py             # 10 000 rows, both databases
    .venv/bin/python bench/import_floor.py 2000 --sqlite-only

At 2 000 events/s every event may take 1/2 000 s on each core: 1.0 ms of CPU on 2 cores in
all, if the work could be split across them without cost.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import january  # noqa: E402  (benchmark data shaped like a real January)

TARGET = 2000  # events/s (issue #11)


def server_cpu(data_dir: Path | None) -> float:
    """CPU seconds used so far by a PostgreSQL cluster's processes (the postmaster and its
    children: the backends do the server's side of every statement)."""
    if data_dir is None:
        return 0.0
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == postmaster or int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def measure(label: str, url: str, folder: Path, csv_path: Path, n: int, pg_data: Path | None):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from htpm_events import create_app
    from htpm_events.extensions import db
    from htpm_events.importers import csv as csv_import
    from htpm_events.importers.services import open_path
    from htpm_events.text import _md, markdown_to_text

    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
         "HTPM_QUEUE": "immediate"}
    )  # fmt: skip
    parts = []

    def part(name: str, seconds: float, needed: bool = True) -> None:
        parts.append((label, name, seconds / n * 1000, needed))

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.process_time()
        with open(csv_path, newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.DictReader(stream))
        part("read the CSV rows", time.process_time() - started)

        started = time.process_time()
        checked = list(csv_import.validate_rows(open_path(str(csv_path)), {"organization": "B"}))
        part("check each row (EventForm)", time.process_time() - started)
        assert all(data for _, _, data, _ in checked), "the bench rows should all be valid"

        descriptions = [row["description"] for row in rows]
        started = time.process_time()
        for text in descriptions:
            _md.parse(text)
        part("  of which: markdown-it-py parse alone", time.process_time() - started, False)
        started = time.process_time()
        for text in descriptions:
            markdown_to_text(text)
        part("plain text of the description", time.process_time() - started)

        titles = [row["title"] for row in rows]
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            # A table of its own, written and committed: FTS5 keeps a transaction's terms in
            # memory and writes its index at the commit.
            import sqlite3

            index = sqlite3.connect(folder / "fts.sqlite3")
            index.execute(
                "CREATE VIRTUAL TABLE events_fts USING fts5(title, description,"
                " tokenize = 'porter unicode61 remove_diacritics 2')"
            )
            started = time.process_time()
            index.executemany(
                "INSERT INTO events_fts (rowid, title, description) VALUES (?, ?, ?)",
                [(i, t, d) for i, (t, d) in enumerate(zip(titles, descriptions, strict=True))],
            )
            index.commit()
            part("search index (FTS5 insert)", time.process_time() - started)
            index.close()
        else:
            before, started = server_cpu(pg_data), time.process_time()
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT"
                    " setweight(to_tsvector('htpm_english', t.title), 'A') ||"
                    " setweight(to_tsvector('htpm_english', t.description), 'C') AS d"
                    " FROM unnest(CAST(:titles AS text[]), CAST(:descriptions AS text[]))"
                    " AS t(title, description)) AS documents WHERE d IS NOT NULL"
                ),
                {"titles": titles, "descriptions": descriptions},
            )
            spent = server_cpu(pg_data) - before + time.process_time() - started
            part("search index (to_tsvector, server)", spent)
        db.session.rollback()

        runner = app.test_cli_runner()
        wall, started, before = time.perf_counter(), time.process_time(), server_cpu(pg_data)
        result = runner.invoke(
            args=["imports", "file", str(csv_path), "--organization", "B", "--trusted"]
        )
        cpu = time.process_time() - started
        server = server_cpu(pg_data) - before
        wall = time.perf_counter() - wall
        if result.exit_code != 0:
            raise SystemExit(f"import failed:\n{result.output}")
        part("whole import: importing process", cpu, False)
        if pg_data is not None:
            part("whole import: PostgreSQL server", server, False)
        parts.append((label, f"whole import: wall ({n / wall:,.0f} events/s)", wall / n * 1000,
                      False))  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", nargs="?", type=int, default=10_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    n = args.events
    figures = []
    with tempfile.TemporaryDirectory(prefix="htpm-import-floor-") as tmp:
        tmp = Path(tmp)
        csv_path = tmp / "events.csv"
        january.write_csv(csv_path, n, seed=2027)
        figures += measure("SQLite", f"sqlite:///{tmp / 'f.sqlite3'}", tmp / "i1", csv_path, n,
                           None)  # fmt: skip
        if not args.sqlite_only:
            sys.path.insert(0, str(ROOT / "tests"))
            from pg import Cluster

            cluster = Cluster(tmp / "pg")
            if not cluster.available:
                print("PostgreSQL (initdb/pg_ctl) is not installed: SQLite only.")
            else:
                base = cluster.start()
                try:
                    import sqlalchemy as sa

                    engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
                    with engine.connect() as conn:
                        conn.execute(sa.text("CREATE DATABASE floor"))
                    engine.dispose()
                    figures += measure("PostgreSQL", f"{base}/floor", tmp / "i2", csv_path, n,
                                       cluster.data)  # fmt: skip
                finally:
                    cluster.stop()
    cores = os.cpu_count() or 1
    budget = cores / TARGET * 1000
    width = max(len(f[1]) for f in figures)
    print(f"\n{n:,} rows; budget at {TARGET:,} events/s on {cores} cores: {budget:.2f} ms of CPU"
          " per event in all (the work split across the cores without cost)")  # fmt: skip
    print(f"{'database':<11} {'part':<{width}} {'ms/event':>9}")
    for label in dict.fromkeys(f[0] for f in figures):
        rows = [f for f in figures if f[0] == label]
        for _, name, ms, counted in rows:
            print(f"{label:<11} {name:<{width}} {ms:>9.3f}{'  *' if counted else ''}")
        needed = sum(ms for _, _, ms, counted in rows if counted)
        print(f"{label:<11} {'sum of the parts marked *':<{width}} {needed:>9.3f}"
              f"  ({needed / budget:.0%} of the budget)")  # fmt: skip


if __name__ == "__main__":
    main()
