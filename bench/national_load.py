"""The national scenario's observations by raw COPY, fast enough for 40 million rows.

Each province's office writes its communes' values of every indicator once a month (its own API key, received 20 days
after the month ends plus an hour per province), so the rows carry the key_id and recorded_at an ingest would have
given them, and the `submissions` summary (one row per indicator per write) is written alongside from the same plan
instead of being rebuilt from 40 million rows; tests/test_bench_smoke.py checks it equals `rebuild_submissions`.

Speed: rows are text COPY lines joined per (chunk, indicator) into one block of a few MB (no per-row `write_row`), in
primary-key order inside each chunk (indicator, region, period_start), so every index insert lands on the right edge
of its index instead of anywhere in it. Months are grouped by the hypertable's chunk (365 days from the Unix epoch)
and the groups shared by `connections` COPY connections, each filling whole chunks of its own. Foreign-key triggers
are off during the COPY (`session_replication_role = replica`): the rows are generated from the stored catalogue.
"""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from bench.data import _value
from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.periods import Period
from ingest.database import connect

CHUNK_SECONDS = 365 * 86400  # migration 0001: by_range('period_start', INTERVAL '365 days')
SHAPES = 4  # bench/data.py's _value: an indicator's values depend on its number modulo 4
PLACEHOLDER = "\x01"  # stands for the indicator code in a block's template (never in a code or a region)
COLUMNS = "indicator, region, period_start, period, revision, value, status, note, key_id, recorded_at"


@dataclass(frozen=True)
class Writer:
    """A province's office: its key and the communes it writes."""

    province: str
    key_id: str
    regions: tuple[str, ...]  # sorted


@dataclass(frozen=True)
class LoadResult:
    rows: int
    seconds: float
    submissions: int

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def received_at(period: Period, writer_number: int) -> datetime:
    """When a province's write of a month arrives: 20 days after the month, an hour later per province."""
    _, end = period_bounds(period)
    return end + timedelta(days=20, hours=writer_number)


def chunk_groups(periods: list[Period]) -> list[list[Period]]:
    """The periods by the hypertable chunk their start falls in, in time order."""
    groups: dict[int, list[Period]] = {}
    for period in periods:
        start, _ = period_bounds(period)
        groups.setdefault(int(start.timestamp()) // CHUNK_SECONDS, []).append(period)
    return [groups[key] for key in sorted(groups)]


def chunk_blocks(
    indicators: list[tuple[int, str]], writers: list[Writer], periods: list[Period]
) -> Iterator[tuple[bytes, int]]:
    """(COPY text block, rows) per indicator for the periods of one chunk, in primary-key order.

    An indicator's values depend only on its shape (bench/data.py: the number modulo 4), so the lines are built once
    per shape with a placeholder for the code, and each indicator's block is that template with its code put in."""
    starts = [period_bounds(period)[0].isoformat() for period in periods]
    by_region = sorted((region, number) for number, writer in enumerate(writers) for region in writer.regions)
    templates: dict[int, tuple[bytes, int]] = {}
    for number, code in indicators:
        shape = number % SHAPES
        if shape not in templates:
            values = [_value(number, period, 0.0) for period in periods]
            suffixes = [
                [
                    f"\t{start}\t{period}\t1\t{value}\tofficial\t\\N\t{writer.key_id}\t"
                    f"{received_at(period, writer_number).isoformat()}\n"
                    for start, period, value in zip(starts, periods, values, strict=True)
                ]
                for writer_number, writer in enumerate(writers)
            ]
            lines = [f"{PLACEHOLDER}\t{region}{suffix}" for region, writer in by_region for suffix in suffixes[writer]]
            templates[shape] = "".join(lines).encode(), len(lines)
        template, count = templates[shape]
        yield template.replace(PLACEHOLDER.encode(), code.encode()), count


def submission_lines(indicators: list[tuple[int, str]], writers: list[Writer], periods: list[Period]) -> Iterator[str]:
    """The submissions rows the writes above make: one per write (month, province) per indicator."""
    for period in periods:
        for writer_number, writer in enumerate(writers):
            recorded = received_at(period, writer_number).isoformat()
            regions = "{" + ",".join(writer.regions) + "}"
            for _, code in indicators:
                yield f"{recorded}\t{writer.key_id}\t{code}\t{len(writer.regions)}\t{regions}\n"


def _copy_groups(
    url: str, indicators: list[tuple[int, str]], writers: list[Writer], groups: list[list[Period]], rows: list[int]
) -> None:
    with connect(url) as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        with conn.cursor().copy(f"COPY observations ({COLUMNS}) FROM STDIN") as copy:
            for group in groups:
                for block, count in chunk_blocks(indicators, writers, group):
                    copy.write(block)
                    rows.append(count)


def load(url: str, catalogue: Catalogue, programme: str, writers: list[Writer], periods: list[Period],
         connections: int = 2) -> LoadResult:  # fmt: skip
    """COPY every (indicator of the programme, commune, period) into observations and write the submissions."""
    ours = sorted(code for code, indicator in catalogue.indicators.items() if indicator.programme == programme)
    indicators = list(enumerate(ours, start=1))  # the number gives the indicator's shape and values (bench/data.py)
    groups = chunk_groups(periods)
    shares: list[list[list[Period]]] = [groups[index::connections] for index in range(connections)]
    counts: list[list[int]] = [[] for _ in shares]
    errors: list[BaseException] = []

    def work(share: list[list[Period]], rows: list[int]) -> None:
        try:
            _copy_groups(url, indicators, writers, share, rows)
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=pair) for pair in zip(shares, counts, strict=True) if pair[0]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    with connect(url) as conn:
        submissions = write_submissions(conn, indicators, writers, periods)
    return LoadResult(sum(sum(rows) for rows in counts), time.perf_counter() - started, submissions)


def write_submissions(
    conn: psycopg.Connection[Any], indicators: list[tuple[int, str]], writers: list[Writer], periods: list[Period]
) -> int:
    """COPY the submissions rows; PostgreSQL computes each one's region_set from its regions (migration 0018)."""
    written = 0
    with conn.transaction():
        conn.execute("DELETE FROM submissions")
        with conn.cursor().copy("COPY submissions (recorded_at, key_id, indicator, rows, regions) FROM STDIN") as copy:
            buffer: list[str] = []
            for line in submission_lines(indicators, writers, periods):
                buffer.append(line)
                if len(buffer) == 5000:
                    copy.write("".join(buffer))
                    written += len(buffer)
                    buffer.clear()
            copy.write("".join(buffer))
            written += len(buffer)
    conn.execute("ANALYZE submissions")
    return written
