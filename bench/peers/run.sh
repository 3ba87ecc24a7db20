#!/usr/bin/env bash
# govledger beside its peers, same machine, same run, same events (issue 16 item 4).
#
#   bench/peers/run.sh [--events N] [--payloads data,body] [--results DIR] [--postgres URL]
#
# In sequence: govledger's own bench (`govledger bench --only append,read`) on SQLite and on
# PostgreSQL, Python `eventsourcing` (its SQLite and PostgreSQL aggregate recorders) and
# `cqrs-es` + `postgres-es`; each appends N events in batches of 100 and reads them back.
# The events are govledger's demo decisions (`govledger demo`, seed 7, then `govledger
# export`): every peer takes each line's `type` and `data`, cycled until N; and then again
# each line's `type` and whole body (the bytes govledger stores, ~515 B against ~110 B of
# `data`), so that the peers also move events of govledger's size. Prints one
# Markdown table; the raw JSON of every system, the export used and the machine's state go
# to the results directory (default bench/peers/results/<UTC time>, not committed).
#
# Needs: cargo, python3 (with venv), a PostgreSQL server with trust auth for the URL's user
# (default postgres://postgres@127.0.0.1:5432/postgres; each system creates and drops its own
# database). Installs the Python peer into bench/peers/.venv and builds the Rust peer into
# bench/peers/cqrs-es/target on first use. What each system stores per event, and the
# caveats, are in BENCHMARKS.md, "Peers (issue 16 item 4)".
set -euo pipefail

EVENTS=100000
PAYLOADS="data,body"
RESULTS=""
POSTGRES_URL="${GOVLEDGER_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"

usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --events) EVENTS="${2:?--events needs a number}"; shift 2 ;;
        --payloads) PAYLOADS="${2:?--payloads needs data, body or data,body}"; shift 2 ;;
        --results) RESULTS="${2:?--results needs a directory}"; shift 2 ;;
        --postgres) POSTGRES_URL="${2:?--postgres needs a URL}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$EVENTS" in
    ''|*[!0-9]*|0) echo "--events must be a positive integer, got '$EVENTS'" >&2; exit 2 ;;
esac
IFS=, read -r -a PAYLOAD_LIST <<< "$PAYLOADS"
for payload in "${PAYLOAD_LIST[@]}"; do
    case "$payload" in
        data|body) ;;
        *) echo "--payloads takes data, body or data,body, got '$PAYLOADS'" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PEERS="$ROOT/bench/peers"
cd "$ROOT"
RESULTS="${RESULTS:-$PEERS/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$RESULTS"
RESULTS="$(cd "$RESULTS" && pwd)"

# The PostgreSQL URL split for the Python peer (postgres://USER[:PASS]@HOST[:PORT]/DB).
pg_rest="${POSTGRES_URL#*://}"
pg_rest="${pg_rest%%\?*}"
case "$pg_rest" in
    *@*) pg_userinfo="${pg_rest%%@*}"; pg_hostport="${pg_rest#*@}" ;;
    *) pg_userinfo="postgres"; pg_hostport="$pg_rest" ;;
esac
pg_hostport="${pg_hostport%%/*}"
PG_USER="${pg_userinfo%%:*}"
PG_PASSWORD=""
[ "$pg_userinfo" != "$PG_USER" ] && PG_PASSWORD="${pg_userinfo#*:}"
PG_HOST="${pg_hostport%%:*}"
PG_PORT=5432
[ "$pg_hostport" != "$PG_HOST" ] && PG_PORT="${pg_hostport#*:}"

# Each step with the load average when it starts, on stderr and in steps.log.
step() {
    printf '%s  %s (load average %s)\n' "$(date -u +%H:%M:%S)" "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" \
        | tee -a "$RESULTS/steps.log" >&2
}

# 1. Build what is missing.
GOVLEDGER="$ROOT/target/release/govledger"
if [ ! -x "$GOVLEDGER" ]; then
    step "building govledger (release)"
    cargo build --release --bin govledger
fi
step "building the cqrs-es peer (release)"
cargo build --release --locked --manifest-path "$PEERS/cqrs-es/Cargo.toml"
CQRS_PEER="$PEERS/cqrs-es/target/release/peer-cqrs-es"
VENV="$PEERS/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    step "installing the Python peer into $VENV"
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$PEERS/python/requirements.txt"
PY="$VENV/bin/python"

# 2. The events: the demo ledger's export.
step "the demo's events"
DEMO_DB="sqlite://$RESULTS/demo.db"
"$GOVLEDGER" demo --db "$DEMO_DB" > "$RESULTS/demo.log" 2>&1
"$GOVLEDGER" export --db "$DEMO_DB" --out "$RESULTS/demo.jsonl"
rm -f "$RESULTS"/demo.db "$RESULTS"/demo.db-* "$RESULTS"/demo.db.*
echo "$(wc -l < "$RESULTS/demo.jsonl") demo events in $RESULTS/demo.jsonl" >&2

# 3. The machine, before.
{
    echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "events: $EVENTS"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "mem_total: $(grep MemTotal /proc/meminfo | awk '{print $2 " kB"}')"
    echo "kernel: $(uname -r)"
    echo "govledger_commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "postgres: $(psql "$POSTGRES_URL" -Atc 'SHOW server_version' 2>/dev/null || echo unknown)"
    echo "python: $("$PY" -c 'import platform; print(platform.python_version())')"
    echo "eventsourcing: $("$PY" -c 'from importlib.metadata import version; print(version("eventsourcing"))')"
    echo "psycopg: $("$PY" -c 'import psycopg; print(psycopg.__version__, psycopg.pq.__impl__)')"
    for crate in cqrs-es postgres-es sqlx-postgres; do
        echo "$crate: $(grep -A1 "^name = \"$crate\"$" "$PEERS/cqrs-es/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
    done
    echo "rustc: $(rustc --version)"
    echo "loadavg_before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/machine.txt"

# 4. The runs, one after the other.
step "govledger, SQLite"
"$GOVLEDGER" bench --events "$EVENTS" --only append,read --dir "$RESULTS" > "$RESULTS/govledger-sqlite.json"
rm -f "$RESULTS/append.db" "$RESULTS/append.db-wal" "$RESULTS/append.db-shm"
step "govledger, PostgreSQL"
"$GOVLEDGER" bench --backend postgres --postgres "$POSTGRES_URL" --events "$EVENTS" --only append,read \
    > "$RESULTS/govledger-postgres.json"
for payload in "${PAYLOAD_LIST[@]}"; do
    step "eventsourcing, SQLite, payload $payload"
    "$PY" "$PEERS/python/peer.py" --backend sqlite --events "$EVENTS" --payload "$payload" \
        --input "$RESULTS/demo.jsonl" --dir "$RESULTS" > "$RESULTS/eventsourcing-sqlite-$payload.json"
    step "eventsourcing, PostgreSQL, payload $payload"
    "$PY" "$PEERS/python/peer.py" --backend postgres --events "$EVENTS" --payload "$payload" \
        --input "$RESULTS/demo.jsonl" --postgres-host "$PG_HOST" --postgres-port "$PG_PORT" \
        --postgres-user "$PG_USER" --postgres-password "$PG_PASSWORD" \
        > "$RESULTS/eventsourcing-postgres-$payload.json"
    step "cqrs-es + postgres-es, PostgreSQL, payload $payload"
    "$CQRS_PEER" --events "$EVENTS" --payload "$payload" --input "$RESULTS/demo.jsonl" \
        --postgres "$POSTGRES_URL" > "$RESULTS/cqrs-es-postgres-$payload.json"
done
echo "loadavg_after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"

# 5. The table.
"$PY" - "$RESULTS" "$PAYLOADS" <<'PYTHON' | tee "$RESULTS/table.md"
import json, sys, pathlib

res = pathlib.Path(sys.argv[1])
payloads = sys.argv[2].split(",")
machine = dict(
    line.split(": ", 1) for line in (res / "machine.txt").read_text().splitlines() if ": " in line
)

def load(name):
    return json.loads((res / f"{name}.json").read_text())

rows = []
gov = {}
for backend in ("sqlite", "postgres"):
    g = load(f"govledger-{backend}")
    # govledger's read-back figure is `export` (every event read, decoded and written as
    # JSON Lines, median of 3 rounds); `verify` (every hash and the Merkle tree re-checked) is
    # in the notes.
    gov[backend] = (g["append_batched"]["per_s"], g["export"]["per_s"])
    rows.append((f"govledger {machine.get('govledger_commit', '')}", backend, "body",
                 g["append_batched"]["per_s"], g["export"]["per_s"],
                 f'body {g["body_bytes_avg"]:,.0f} B; verify {g["verify"]["per_s"]:,.0f}/s'))
labels = {
    "eventsourcing": f"eventsourcing {machine.get('eventsourcing', '')}",
    "cqrs-es": f"cqrs-es {machine.get('cqrs-es', '')} + postgres-es {machine.get('postgres-es', '')}",
}
for payload in payloads:
    for name, backend in (("eventsourcing-sqlite", "sqlite"),
                          ("eventsourcing-postgres", "postgres"),
                          ("cqrs-es-postgres", "postgres")):
        p = load(f"{name}-{payload}")
        s = p.get("settings", {})
        size = p.get("state_bytes_avg", p.get("payload_bytes_avg"))
        sync = (f'synchronous={s["synchronous"]}' if "synchronous" in s
                else f'synchronous_commit={s.get("synchronous_commit")}')
        rows.append((labels[p["system"]], backend, payload, p["append_per_s"], p["read_per_s"],
                     f"stored payload {size:,.0f} B; {sync}"))

g = load("govledger-sqlite")
print(f'{g["events"]:,} events, batches of 100, {machine.get("date_utc")}, '
      f'{machine.get("nproc")} cores ({machine.get("cpu")}), PostgreSQL {machine.get("postgres")}, '
      f'load average before {machine.get("loadavg_before")}, after {machine.get("loadavg_after")}, '
      f'fdatasync p50 {g.get("disk", {}).get("fdatasync_p50_ms")} ms')
print()
print("| system | backend | event stored | append events/s (batches of 100) | × govledger | "
      "read-back events/s | × govledger | notes |")
print("|---|---|---|---:|---:|---:|---:|---|")
for system, backend, payload, app, read, notes in rows:
    ga, gr = gov[backend]
    print(f"| {system} | {backend} | {payload} | {app:,.0f} | {app / ga:.2f} | {read:,.0f} | "
          f"{read / gr:.2f} | {notes} |")
PYTHON
echo "raw results: $RESULTS" >&2
