"""Peer benchmark: Python `eventsourcing` appending and reading back govledger's demo events.

Run by bench/peers/run.sh (see BENCHMARKS.md, "Peers"); by hand:

    python peer.py --backend sqlite   --events 100000 --input demo.jsonl --dir /tmp/x
    python peer.py --backend postgres --events 100000 --input demo.jsonl \
        --postgres-host 127.0.0.1 --postgres-port 5432 --postgres-user postgres

The library's recorders are used directly, as its docs describe for the persistence layer:
`SQLiteAggregateRecorder` / `PostgresAggregateRecorder`, `insert_events` with 100
`StoredEvent`s per call (one transaction each), then `select_events` per aggregate to read
everything back (three times; the median is the figure). No application, aggregate or mapper objects: the figure is the storage
layer's, the same layer govledger's `Store::append` is measured at.

What is stored per event (the library's own envelope, nothing added):
  originator_id      the aggregate's UUID (SQLite: TEXT of 32 hex digits; PostgreSQL: uuid)
  originator_version 1, 2, ... within the aggregate
  topic              the govledger event type, e.g. "permission.granted.v1"
  state              the event's `data` as canonical JSON, UTF-8 bytes (BLOB / bytea); with
                     --payload body, the whole govledger body (the export line: data, meta,
                     id, stream, version, seq, prev, timestamps), the same bytes and size
                     govledger stores and hashes

Events are the lines of a govledger export (`govledger export` of the demo, seed 7): each
line's `type` and `data` (or whole body), cycled until --events. Batch b (of 100) goes to aggregate
b % 1000, the same 1000 streams `govledger bench` appends to, at the next 100 versions.

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import time
import uuid
from importlib import metadata

from eventsourcing.persistence import StoredEvent

BATCH = 100
STREAMS = 1000
ROUNDS = 3


def load_templates(path: str, payload: str) -> list[tuple[str, bytes]]:
    """(type, state bytes) of every line of a govledger export, in seq order: the line's
    `data` (payload "data") or the whole line (payload "body")."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            body = json.loads(line)
            # Compact, keys sorted, UTF-8 literal: the canonical spelling govledger stores
            # (these bodies hold no floats), so the bytes match the Rust peer's.
            value = body["data"] if payload == "data" else body
            state = json.dumps(
                value, separators=(",", ":"), sort_keys=True, ensure_ascii=False
            ).encode("utf-8")
            out.append((body["type"], state))
    if not out:
        raise SystemExit(f"no events in {path}")
    return out


def make_batches(templates, n: int, ids: list[uuid.UUID]):
    """The StoredEvent batches, built before the clock starts (the library's work, not ours,
    is timed)."""
    versions = [0] * STREAMS
    batches = []
    i = 0
    b = 0
    while i < n:
        k = min(BATCH, n - i)
        stream = b % STREAMS
        batch = []
        for j in range(i, i + k):
            topic, state = templates[j % len(templates)]
            versions[stream] += 1
            batch.append(
                StoredEvent(
                    originator_id=ids[stream],
                    originator_version=versions[stream],
                    topic=topic,
                    state=state,
                )
            )
        batches.append(batch)
        i += k
        b += 1
    used = min(b, STREAMS)
    return batches, ids[:used]


def run(recorder, batches, originators, n: int) -> dict:
    start = time.perf_counter()
    for batch in batches:
        recorder.insert_events(batch)
    append = time.perf_counter() - start

    # Read back ROUNDS times, the median reported (govledger's bench does the same with its
    # read figures); every round is printed too.
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        read = 0
        read_bytes = 0
        for oid in originators:
            events = recorder.select_events(oid)
            read += len(events)
            for e in events:
                read_bytes += len(e.state)
        rounds.append(time.perf_counter() - start)
        if read != n:
            raise SystemExit(f"read back {read} events, appended {n}")
    read_s = sorted(rounds)[len(rounds) // 2]
    return {
        "append_per_s": round(n / append),
        "append_seconds": round(append, 3),
        "read_per_s": round(read / read_s),
        "read_seconds": round(read_s, 3),
        "read_rounds_per_s": [round(n / r) for r in rounds],
        "read_queries": len(originators),
        "state_bytes_avg": round(read_bytes / read),
    }


def sqlite_peer(args, batches, originators, n):
    from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteDatastore

    os.makedirs(args.dir, exist_ok=True)
    path = os.path.join(args.dir, "eventsourcing.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    # The library's defaults: it turns on WAL itself and sets nothing else, so `synchronous`
    # is SQLite's compiled-in default, read back below and printed.
    datastore = SQLiteDatastore(db_name=path)
    recorder = SQLiteAggregateRecorder(datastore)
    recorder.create_table()
    with datastore.transaction(commit=False) as c:
        c.execute("PRAGMA journal_mode")
        journal_mode = c.fetchone()[0]
        c.execute("PRAGMA synchronous")
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(c.fetchone()[0])
    out = run(recorder, batches, originators, n)
    datastore.close()
    out["settings"] = {
        "journal_mode": journal_mode,
        "synchronous": synchronous,
        "sqlite_version": sqlite3.sqlite_version,
    }
    out["db_file_mib"] = round(
        sum(
            os.path.getsize(path + s)
            for s in ("", "-wal")
            if os.path.exists(path + s)
        )
        / 2**20,
        1,
    )
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return out


def postgres_peer(args, batches, originators, n):
    import psycopg
    from eventsourcing.postgres import PostgresAggregateRecorder, PostgresDatastore

    dbname = f"peer_eventsourcing_{os.getpid()}"
    admin = (
        f"host={args.postgres_host} port={args.postgres_port} "
        f"user={args.postgres_user} dbname=postgres"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        datastore = PostgresDatastore(
            dbname=dbname,
            host=args.postgres_host,
            port=args.postgres_port,
            user=args.postgres_user,
            password=args.postgres_password,
        )
        recorder = PostgresAggregateRecorder(datastore)
        recorder.create_table()
        with datastore.get_connection() as conn:
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[name]
                for name in ("synchronous_commit", "fsync", "server_version")
            }
        out = run(recorder, batches, originators, n)
        with datastore.get_connection() as conn:
            size = conn.execute(
                "SELECT pg_total_relation_size('stored_events') AS s"
            ).fetchone()["s"]
        datastore.close()
        out["settings"] = settings
        out["settings"]["psycopg_impl"] = psycopg.pq.__impl__
        out["table_mib"] = round(size / 2**20, 1)
        return out
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", choices=("sqlite", "postgres"), required=True)
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--input", required=True, help="a govledger export (JSON Lines)")
    p.add_argument(
        "--payload",
        choices=("data", "body"),
        default="data",
        help="store each line's data (default) or the whole line",
    )
    p.add_argument("--dir", default=".", help="where the SQLite file goes")
    p.add_argument("--postgres-host", default="127.0.0.1")
    p.add_argument("--postgres-port", default="5432")
    p.add_argument("--postgres-user", default="postgres")
    p.add_argument("--postgres-password", default="")
    args = p.parse_args()
    if args.events < 1:
        raise SystemExit("--events must be at least 1")

    templates = load_templates(args.input, args.payload)
    ids = [uuid.uuid4() for _ in range(STREAMS)]
    batches, originators = make_batches(templates, args.events, ids)
    peer = sqlite_peer if args.backend == "sqlite" else postgres_peer
    out = {
        "system": "eventsourcing",
        "version": metadata.version("eventsourcing"),
        "python": platform.python_version(),
        "backend": args.backend,
        "events": args.events,
        "batch": BATCH,
        "payload": args.payload,
        "streams": len(originators),
    }
    out.update(peer(args, batches, originators, args.events))
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
