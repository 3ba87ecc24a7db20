//! Peer benchmark: `cqrs-es` + `postgres-es` appending and reading back govledger's demo events.
//!
//! Run by `bench/peers/run.sh` (BENCHMARKS.md, "Peers"); by hand:
//!
//! ```sh
//! cargo run --release -- --events 100000 --input demo.jsonl \
//!     --postgres postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! Append: the framework's command path, `CqrsFramework::execute`, once per batch, with a
//! command whose handler writes 100 events to the sink; the framework loads the aggregate
//! (one `SELECT` of its events; at the default 100,000 events every aggregate is still empty
//! then, above that the earlier batches are replayed first, as for any cqrs-es user without
//! snapshots), then `PersistedEventStore::commit` inserts the 100 events in one transaction,
//! one `INSERT` statement per event (postgres-es's own SQL). Batch `b` goes to aggregate
//! `b % 1000`: the same 1,000 streams `govledger bench` appends to.
//!
//! Read back: `EventStore::load_events` of every aggregate (one `SELECT … ORDER BY sequence`
//! each), which deserializes every payload into the event type; three times, the median is
//! the figure.
//!
//! What is stored per event: postgres-es's `events` row, from its `db/init.sql`:
//! `aggregate_type` ("stream"), `aggregate_id` (e.g. "stream-17"), `sequence`, `event_type`
//! (the govledger type, e.g. "permission.granted.v1"), `event_version` ("1"), `payload`
//! (`json`: `{"<type>": data}`, the externally tagged form cqrs-es gives an event enum; with
//! `--payload body`, `{"<type>": body}` with the whole govledger body in it) and
//! `metadata` (`json`: `{}`, no metadata passed). Primary key (aggregate_type, aggregate_id,
//! sequence).
//!
//! Prints one JSON object on stdout.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Instant;

use anyhow::{Context, bail};
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, CqrsFramework, DomainEvent, EventStore};
use postgres_es::PostgresEventRepository;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, Executor, PgConnection};

const BATCH: usize = 100;
const STREAMS: usize = 1000;
const ROUNDS: usize = 3;

/// One govledger event as a cqrs-es domain event: its type and its payload (`data`).
#[derive(Debug, Clone, PartialEq)]
struct LedgerEvent {
    event_type: String,
    data: Value,
}

/// Serialized as `{"<type>": data}`: what serde's derive gives an enum variant with data, the
/// shape cqrs-es's examples store, written by hand because the types are data here.
impl Serialize for LedgerEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(&self.event_type, &self.data)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for LedgerEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Tagged;
        impl<'de> Visitor<'de> for Tagged {
            type Value = LedgerEvent;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object with one member, the event type")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<LedgerEvent, M::Error> {
                let Some((event_type, data)) = m.next_entry::<String, Value>()? else {
                    return Err(serde::de::Error::custom("empty event object"));
                };
                if m.next_key::<String>()?.is_some() {
                    return Err(serde::de::Error::custom("more than one member"));
                }
                Ok(LedgerEvent { event_type, data })
            }
        }
        d.deserialize_map(Tagged)
    }
}

impl DomainEvent for LedgerEvent {
    fn event_type(&self) -> String {
        self.event_type.clone()
    }
    fn event_version(&self) -> String {
        "1".to_string()
    }
}

/// A stream of decisions: its only state is how many events it holds.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Stream {
    events: u64,
}

impl Aggregate for Stream {
    const TYPE: &'static str = "stream";
    /// Record these events (one batch of 100).
    type Command = Vec<LedgerEvent>;
    type Event = LedgerEvent;
    type Error = Infallible;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in command {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, _event: Self::Event) {
        self.events += 1;
    }
}

struct Args {
    events: usize,
    /// "data": each line's `data`; "body": the whole line.
    payload: String,
    input: String,
    postgres: String,
}

fn args() -> anyhow::Result<Args> {
    let mut out = Args {
        events: 100_000,
        payload: "data".to_string(),
        input: String::new(),
        postgres: "postgres://postgres@127.0.0.1:5432/postgres".to_string(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => out.events = value.parse().context("--events")?,
            "--input" => out.input = value,
            "--payload" if value == "data" || value == "body" => out.payload = value,
            "--postgres" => out.postgres = value,
            _ => bail!(
                "unknown flag or value {flag} {value} (--events N --input FILE \
                 --payload data|body --postgres URL)"
            ),
        }
    }
    if out.input.is_empty() || out.events == 0 {
        bail!("usage: peer-cqrs-es --input EXPORT.jsonl [--events N] [--postgres URL]");
    }
    Ok(out)
}

/// `type` and `data` (or, with `whole`, the whole body) of every line of a govledger export,
/// in seq order.
fn templates(path: &str, whole: bool) -> anyhow::Result<Vec<LedgerEvent>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut body: serde_json::Map<String, Value> = serde_json::from_str(line)?;
        let Some(Value::String(event_type)) = body.get("type").cloned() else {
            bail!("a line of {path} has no type");
        };
        let data = if whole {
            Value::Object(body)
        } else {
            body.remove("data").context("a line has no data")?
        };
        out.push(LedgerEvent { event_type, data });
    }
    if out.is_empty() {
        bail!("no events in {path}");
    }
    Ok(out)
}

/// `base` with its database name replaced by `db`.
fn with_db(base: &str, db: &str) -> String {
    let (head, query) = base.split_once('?').map_or((base, ""), |(h, q)| (h, q));
    let root = head.rsplit_once('/').map_or(head, |(r, _)| r);
    if query.is_empty() {
        format!("{root}/{db}")
    } else {
        format!("{root}/{db}?{query}")
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let templates = templates(&args.input, args.payload == "body")?;
    let db = format!("peer_cqrs_es_{}", std::process::id());
    let mut admin = PgConnection::connect(&args.postgres).await?;
    admin
        .execute(format!(r#"DROP DATABASE IF EXISTS "{db}""#).as_str())
        .await?;
    admin
        .execute(format!(r#"CREATE DATABASE "{db}""#).as_str())
        .await?;
    let result = run(&args, &templates, &with_db(&args.postgres, &db)).await;
    admin
        .execute(format!(r#"DROP DATABASE IF EXISTS "{db}" WITH (FORCE)"#).as_str())
        .await?;
    let out = result?;
    println!("{out}");
    Ok(())
}

async fn run(args: &Args, templates: &[LedgerEvent], url: &str) -> anyhow::Result<Value> {
    let pool = PgPoolOptions::new().max_connections(2).connect(url).await?;
    // The events table of postgres-es's db/init.sql, verbatim (snapshots are not used).
    pool.execute(
        "CREATE TABLE events
(
    aggregate_type text                         NOT NULL,
    aggregate_id   text                         NOT NULL,
    sequence       bigint CHECK (sequence >= 0) NOT NULL,
    event_type     text                         NOT NULL,
    event_version  text                         NOT NULL,
    payload        json                         NOT NULL,
    metadata       json                         NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
)",
    )
    .await?;
    let settings: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'server_version')",
    )
    .fetch_all(&pool)
    .await?;

    // The commands, built before the clock starts.
    let n = args.events;
    let mut batches = Vec::with_capacity(n.div_ceil(BATCH));
    let mut i = 0;
    while i < n {
        let k = BATCH.min(n - i);
        let batch: Vec<LedgerEvent> = (i..i + k)
            .map(|j| templates[j % templates.len()].clone())
            .collect();
        batches.push(batch);
        i += k;
    }
    let streams = batches.len().min(STREAMS);

    let cqrs = CqrsFramework::new(
        PersistedEventStore::<_, Stream>::new_event_store(PostgresEventRepository::new(
            pool.clone(),
        )),
        vec![],
        (),
    );
    let start = Instant::now();
    for (b, batch) in batches.into_iter().enumerate() {
        cqrs.execute(&format!("stream-{}", b % STREAMS), batch)
            .await
            .map_err(|e| anyhow::anyhow!("execute: {e}"))?;
    }
    let append = start.elapsed().as_secs_f64();

    let store = PersistedEventStore::<_, Stream>::new_event_store(PostgresEventRepository::new(
        pool.clone(),
    ));
    // Read back ROUNDS times, the median reported (govledger's bench does the same with its
    // read figures); every round is printed too.
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let mut read = 0usize;
        for s in 0..streams {
            let events = store
                .load_events(&format!("stream-{s}"))
                .await
                .map_err(|e| anyhow::anyhow!("load_events: {e}"))?;
            read += events.len();
            std::hint::black_box(&events);
        }
        rounds.push(start.elapsed().as_secs_f64());
        if read != n {
            bail!("read back {read} events, appended {n}");
        }
    }
    let mut sorted = rounds.clone();
    sorted.sort_by(f64::total_cmp);
    let read_s = sorted[ROUNDS / 2];
    let (payload_avg, table): (f64, i64) = sqlx::query_as(
        "SELECT avg(octet_length(payload::text))::float8, pg_total_relation_size('events') FROM events",
    )
    .fetch_one(&pool)
    .await?;
    pool.close().await;

    Ok(json!({
        "system": "cqrs-es",
        "backend": "postgres",
        "events": n,
        "batch": BATCH,
        "payload": args.payload,
        "streams": streams,
        "append_per_s": (n as f64 / append).round(),
        "append_seconds": (append * 1000.0).round() / 1000.0,
        "read_per_s": (n as f64 / read_s).round(),
        "read_rounds_per_s": rounds.iter().map(|r| (n as f64 / r).round()).collect::<Vec<_>>(),
        "read_seconds": (read_s * 1000.0).round() / 1000.0,
        "read_queries": streams,
        "payload_bytes_avg": payload_avg.round(),
        "table_mib": (table as f64 / 1048576.0 * 10.0).round() / 10.0,
        "settings": settings.into_iter().collect::<HashMap<_, _>>(),
    }))
}
