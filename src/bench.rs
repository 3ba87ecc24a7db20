//! `govledger bench`: performance figures, each beside a raw baseline measured in the same run
//! on the same data, so that the ratio means something on a noisy machine.
//!
//! The data are the demo's decisions (real payload shapes and sizes), cycled with fresh ids and
//! streams until there are `--events` of them. Figures are printed as one JSON object.

use std::time::{Duration, Instant};

use anyhow::Context;
use govledger_schema::{Event, NewEvent};
use serde_json::{Value, json};
use sqlx::Connection;
use uuid::Uuid;

use crate::ledger::Ledger;
use crate::store::{ExpectedVersion, Store};

/// Events per append call in the batched figure.
pub const BATCH: usize = 100;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Which backend to measure.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: BackendArg,
    /// Number of events (default 1,000,000 on SQLite, 200,000 on PostgreSQL).
    #[arg(long)]
    pub events: Option<u64>,
    /// PostgreSQL server (an admin URL; the bench creates and drops its own database).
    #[arg(
        long,
        env = "GOVLEDGER_BENCH_POSTGRES",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres: String,
    /// Decisions sent through the HTTP API by the concurrent clients.
    #[arg(long, default_value_t = 20_000)]
    pub decisions: u64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 32)]
    pub clients: u64,
    /// Where to put the SQLite files (default: a temporary directory).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Run only these phases (default: all). The read phases need the appended ledger, so
    /// any of them also appends the events (timed, but the raw INSERT baseline runs only
    /// with `append`).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Phase>,
}

/// A part of the bench, for `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    /// Batched append vs raw INSERT.
    Append,
    /// Decisions through the HTTP API vs raw autocommit INSERTs.
    Http,
    /// Verify and export vs raw SELECT.
    Read,
    /// Inclusion proofs at the full size.
    Proof,
    /// Peak RSS of a real server holding the ledger.
    Server,
    /// Rebuild from the log and start-up from a snapshot.
    Rebuild,
}

impl BenchArgs {
    fn runs(&self, phase: Phase) -> bool {
        self.only.is_empty() || self.only.contains(&phase)
    }

    /// Whether any phase runs that needs the appended ledger (the append phase included).
    fn needs_ledger(&self) -> bool {
        [
            Phase::Append,
            Phase::Read,
            Phase::Proof,
            Phase::Server,
            Phase::Rebuild,
        ]
        .into_iter()
        .any(|p| self.runs(p))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    Sqlite,
    Postgres,
}

/// A measured rate and its baseline.
fn figure(rate: f64, baseline: f64) -> Value {
    json!({ "per_s": rate.round(), "baseline_per_s": baseline.round(), "ratio": (rate / baseline * 100.0).round() / 100.0 })
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// The demo's events as templates: realistic types, payloads and meta.
fn templates() -> Vec<NewEvent> {
    let demo = match crate::demo::build_demo(7) {
        Ok(d) => d.ledger.events,
        Err(_) => Vec::new(),
    };
    demo.into_iter()
        .map(|e: Event| NewEvent {
            id: e.id,
            event_type: e.event_type,
            data: e.data,
            meta: e.meta,
            effective_at: e.effective_at,
        })
        .collect()
}

/// The `i`-th bench event: a template with a fresh id.
fn nth(templates: &[NewEvent], i: u64) -> NewEvent {
    let mut e = templates[(i as usize) % templates.len()].clone();
    e.id = Uuid::now_v7();
    e
}

struct Target {
    url: String,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Target {
    async fn new(args: &BenchArgs, name: &str) -> anyhow::Result<Target> {
        match args.backend {
            BackendArg::Sqlite => {
                let (dir, holder) = match &args.dir {
                    Some(d) => (d.clone(), None),
                    None => {
                        let t = tempfile::tempdir()?;
                        (t.path().to_owned(), Some(t))
                    }
                };
                let path = dir.join(format!("{name}.db"));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                Ok(Target {
                    url: format!("sqlite://{}", path.display()),
                    pg: None,
                    _dir: holder,
                })
            }
            BackendArg::Postgres => {
                let db = format!("govledger_bench_{name}_{}", Uuid::now_v7().simple());
                let mut conn = sqlx::PgConnection::connect(&args.postgres)
                    .await
                    .context("PostgreSQL for the bench")?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
                    .execute(&mut conn)
                    .await?;
                let base = args
                    .postgres
                    .rsplit_once('/')
                    .map_or(args.postgres.as_str(), |(b, _)| b);
                Ok(Target {
                    url: format!("{base}/{db}"),
                    pg: Some((args.postgres.clone(), db)),
                    _dir: None,
                })
            }
        }
    }

    async fn drop_db(self) {
        if let Some((admin, db)) = self.pg
            && let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

/// How the raw baselines insert a transaction's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawInsert {
    /// One `INSERT` per row: the first baseline of issue 16, printed beside the ratio's
    /// (`raw_single_row_per_s`), no longer used for it.
    RowByRow,
    /// One multi-row `INSERT` per transaction: what the storage gives when round trips are not
    /// the bound. The baseline of `append_batched` since issue 16 item 3 (its `ratio`, and
    /// `raw_multirow_per_s` as before), because govledger's append also writes a transaction's
    /// rows in multi-row statements: the fair comparison is the same statement shape without
    /// the ledger's work.
    MultiRow,
}

/// Raw baseline: INSERT the same (seq, body) rows, `batch` per transaction, into a plain table
/// (one per form) on a connection with the store's own settings. Bodies are read back from
/// `events` a page at a time (outside the timed part), so memory stays flat.
async fn raw_insert(store: &Store, batch: usize, form: RawInsert) -> anyhow::Result<Duration> {
    macro_rules! insert_all {
        ($p:expr, $create:expr, $create_multi:expr) => {{
            let create = match form {
                RawInsert::RowByRow => $create,
                RawInsert::MultiRow => $create_multi,
            };
            sqlx::query(create).execute($p).await?;
            let mut timed = Duration::ZERO;
            let mut from = 1;
            loop {
                let page = store.read_from(from, 50_000).await?;
                let Some(last) = page.last() else { break };
                from = last.seq + 1;
                let start = Instant::now();
                for chunk in page.chunks(batch) {
                    let mut tx = $p.begin().await?;
                    match form {
                        RawInsert::RowByRow => {
                            for e in chunk {
                                sqlx::query("INSERT INTO raw_events (seq, body) VALUES ($1, $2)")
                                    .bind(e.seq as i64)
                                    .bind(&e.body[..])
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                        RawInsert::MultiRow => {
                            let mut q =
                                sqlx::QueryBuilder::new("INSERT INTO raw_multirow (seq, body) ");
                            q.push_values(chunk, |mut row, e| {
                                row.push_bind(e.seq as i64).push_bind(&e.body[..]);
                            });
                            q.build().execute(&mut *tx).await?;
                        }
                    }
                    tx.commit().await?;
                }
                timed += start.elapsed();
            }
            Ok(timed)
        }};
    }
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(p), _) => insert_all!(
            p,
            "CREATE TABLE raw_events (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)",
            "CREATE TABLE raw_multirow (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)"
        ),
        (_, Some(p)) => insert_all!(
            p,
            "CREATE TABLE raw_events (seq BIGINT PRIMARY KEY, body BYTEA NOT NULL)",
            "CREATE TABLE raw_multirow (seq BIGINT PRIMARY KEY, body BYTEA NOT NULL)"
        ),
        _ => anyhow::bail!("no pool"),
    }
}

/// Raw baseline: SELECT every (seq, hash, body) row of `events`, no hashing, no parsing.
async fn raw_select(store: &Store) -> anyhow::Result<(u64, Duration)> {
    use futures_util::TryStreamExt;
    let start = Instant::now();
    let mut n = 0u64;
    let mut bytes = 0usize;
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(p), _) => {
            let mut rows = sqlx::query_as::<_, (i64, Vec<u8>, Vec<u8>)>(
                "SELECT seq, hash, body FROM events ORDER BY seq",
            )
            .fetch(p);
            while let Some((_, h, b)) = rows.try_next().await? {
                n += 1;
                bytes += h.len() + b.len();
            }
        }
        (_, Some(p)) => {
            let mut rows = sqlx::query_as::<_, (i64, Vec<u8>, Vec<u8>)>(
                "SELECT seq, hash, body FROM events ORDER BY seq",
            )
            .fetch(p);
            while let Some((_, h, b)) = rows.try_next().await? {
                n += 1;
                bytes += h.len() + b.len();
            }
        }
        _ => {}
    }
    std::hint::black_box(bytes);
    Ok((n, start.elapsed()))
}

/// The raw SELECT of `raw_select` through a read-only rusqlite connection on a blocking
/// thread (no per-row hand-off), on SQLite with a file; None otherwise.
async fn raw_select_file(store: &Store) -> anyhow::Result<Option<(u64, Duration)>> {
    let Some(path) = store
        .sqlite_pool()
        .map(|p| p.connect_options().get_filename().to_path_buf())
        .filter(|p| p.is_file())
    else {
        return Ok(None);
    };
    let read = tokio::task::spawn_blocking(move || -> anyhow::Result<(u64, Duration)> {
        let start = Instant::now();
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let mut stmt = conn.prepare("SELECT seq, hash, body FROM events ORDER BY seq")?;
        let mut rows = stmt.query(())?;
        let (mut n, mut bytes) = (0u64, 0usize);
        while let Some(row) = rows.next()? {
            let (_, h, b): (i64, Vec<u8>, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
            n += 1;
            bytes += h.len() + b.len();
        }
        std::hint::black_box(bytes);
        Ok((n, start.elapsed()))
    })
    .await??;
    Ok(Some(read))
}

/// 200 rounds of a 4 KiB write and `fdatasync` to a file in `dir` (where the bench's
/// databases go): p50 and p99 in ms.
fn fsync_latency(dir: Option<&std::path::Path>) -> anyhow::Result<Value> {
    use std::io::Write;
    let holder = tempfile::tempdir()?;
    let dir = dir.unwrap_or(holder.path());
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    // Preallocate, as SQLite's WAL is reused once it has grown: measure the data sync only.
    f.write_all(&vec![0u8; 4096 * 200])?;
    f.sync_all()?;
    let mut f = std::fs::OpenOptions::new().write(true).open(&path)?;
    let mut times = Vec::with_capacity(200);
    for _ in 0..200 {
        f.write_all(&[1u8; 4096])?;
        let t = Instant::now();
        f.sync_data()?;
        times.push(t.elapsed());
    }
    drop(f);
    let _ = std::fs::remove_file(&path);
    times.sort();
    Ok(
        json!({ "fdatasync_p50_ms": percentile(&times, 0.5), "fdatasync_p99_ms": percentile(&times, 0.99) }),
    )
}

/// Rounds of the read figures (verify, export), each beside its baseline.
const ROUNDS: usize = 3;

/// Samples of a figure and its baseline, taken in alternation.
#[derive(Default)]
struct Rounds {
    figure: Vec<f64>,
    baseline: Vec<f64>,
}

impl Rounds {
    fn summary(&self) -> Value {
        let median = |v: &[f64]| {
            let mut v = v.to_vec();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        };
        let mut fig = figure(median(&self.figure), median(&self.baseline));
        fig["rounds"] = json!({
            "per_s": self.figure.iter().map(|r| r.round()).collect::<Vec<_>>(),
            "baseline_per_s": self.baseline.iter().map(|r| r.round()).collect::<Vec<_>>(),
        });
        fig
    }
}

/// Peak resident set size of this process, from /proc (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1e6).round() / 1e3
}

pub async fn run(args: BenchArgs) -> anyhow::Result<Value> {
    let n = args.events.unwrap_or(match args.backend {
        BackendArg::Sqlite => 1_000_000,
        BackendArg::Postgres => 200_000,
    });
    let templates = templates();
    anyhow::ensure!(
        !templates.is_empty(),
        "the demo script produced no events to use as templates"
    );
    let mut out = json!({
        "backend": format!("{:?}", args.backend).to_lowercase(),
        "events": n,
        "batch": BATCH,
        "machine": { "nproc": std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1), "cpu": cpu_model() },
    });

    // 0. What the disk gives: the latency of one small write + fsync, which bounds any
    //    durable commit (and so appends per second at a given batch size).
    if let BackendArg::Sqlite = args.backend {
        out["disk"] = fsync_latency(args.dir.as_deref())?;
    }

    // 1. Single decisions from concurrent clients through the HTTP API vs raw single-row
    //    autocommit INSERTs from as many concurrent tasks (on a ledger of its own).
    if args.runs(Phase::Http) {
        out["http_decisions"] = http_decisions(&args).await?;
    }
    if !args.needs_ledger() {
        return Ok(out);
    }

    // 2. Batched append vs raw INSERT of the same bytes.
    let target = Target::new(&args, "append").await?;
    let store = Store::open(&target.url).await?;
    // Only `Store::append` is timed: making the next batch from the templates (cloning their
    // JSON, new ids) is the caller's work, as the raw baselines' rows are made before their
    // timed part.
    let mut append = Duration::ZERO;
    let mut i = 0u64;
    while i < n {
        let k = (n - i).min(BATCH as u64);
        let batch: Vec<NewEvent> = (i..i + k).map(|j| nth(&templates, j)).collect();
        let stream = format!("bench/{}", (i / BATCH as u64) % 1000);
        let start = Instant::now();
        store.append(&stream, ExpectedVersion::Any, batch).await?;
        append += start.elapsed();
        i += k;
    }
    let sample = store.read_from(1, 10_000).await?;
    let avg_body =
        sample.iter().map(|e| e.body.len()).sum::<usize>() as f64 / sample.len().max(1) as f64;
    out["body_bytes_avg"] = json!(avg_body.round());
    if args.runs(Phase::Append) {
        let raw = raw_insert(&store, BATCH, RawInsert::RowByRow).await?;
        let multirow = raw_insert(&store, BATCH, RawInsert::MultiRow).await?;
        out["append_batched"] = figure(rate(n, append), rate(n, multirow));
        out["append_batched"]["raw_multirow_per_s"] = json!(rate(n, multirow).round());
        out["append_batched"]["raw_single_row_per_s"] = json!(rate(n, raw).round());
        out["append_batched"]["ratio_to_single_row"] =
            json!((rate(n, append) / rate(n, raw) * 100.0).round() / 100.0);
    }

    // 3. Verify the whole chain vs raw SELECT of the same rows, and 4. export all events vs
    //    the same SELECT. Reads of a 1 GiB+ file swing with the page cache and the virtual
    //    disk, so each figure and its baseline are measured ROUNDS times, interleaved, and
    //    the medians compared (every sample is printed too).
    let mut verify = Rounds::default();
    let mut export = Rounds::default();
    let mut file_select = Vec::new();
    for _ in 0..if args.runs(Phase::Read) { ROUNDS } else { 0 } {
        let (rows, select) = raw_select(&store).await?;
        verify.baseline.push(rate(rows, select));
        if let Some((rows, select)) = raw_select_file(&store).await? {
            file_select.push(rate(rows, select));
        }
        let start = Instant::now();
        let report = store.verify(1, None, |_| {}).await?;
        verify.figure.push(rate(n, start.elapsed()));
        anyhow::ensure!(report.is_ok(), "bench ledger does not verify: {report}");

        let (rows, select) = raw_select(&store).await?;
        export.baseline.push(rate(rows, select));
        let start = Instant::now();
        let mut sink = tokio::io::sink();
        let exported = crate::store::export(&store, 1, None, &mut sink).await?;
        export.figure.push(rate(exported, start.elapsed()));
    }
    if args.runs(Phase::Read) {
        out["verify"] = verify.summary();
        out["export"] = export.summary();
        // Beside the baseline, not in its ratio: the same SELECT through a read-only
        // rusqlite connection on a thread of its own, how verify reads a SQLite file
        // (src/store/bulk.rs), so the ratio cannot gain from the reader alone unseen.
        if !file_select.is_empty() {
            file_select.sort_by(f64::total_cmp);
            let median = file_select[file_select.len() / 2];
            out["verify"]["raw_select_file_per_s"] = json!(median.round());
            if let Some(per_s) = out["verify"]["per_s"].as_f64() {
                out["verify"]["ratio_to_file_select"] =
                    json!((per_s / median * 100.0).round() / 100.0);
            }
        }
    }

    // 4. Inclusion proofs at the full size.
    if args.runs(Phase::Proof) {
        let mut times = Vec::with_capacity(1000);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..1000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let seq = seed % n + 1;
            let t = Instant::now();
            let proof = store.inclusion_proof(seq, n).await?;
            times.push(t.elapsed());
            std::hint::black_box(proof);
        }
        times.sort();
        out["inclusion_proof_ms"] =
            json!({ "p50": percentile(&times, 0.5), "p99": percentile(&times, 0.99), "size": n });
    }

    // 5. Peak RSS of a real `govledger serve` process holding every event: started on the
    //    ledger before any snapshot exists (so it folds the whole log, the worst case), then
    //    driven with reads (views, pages of events, proofs, a full export).
    if args.runs(Phase::Server) {
        out["server"] = server_rss(&store, &target.url, n).await?;
    }

    // 6. Rebuild the projections from the log, then start-up from a snapshot.
    if args.runs(Phase::Rebuild) {
        let start = Instant::now();
        let (ledger, loaded) = Ledger::open(store.clone()).await?;
        let rebuild = start.elapsed();
        let snap_at = ledger.snapshot().await?;
        let rss_after_rebuild = peak_rss_mib();
        drop(ledger);
        let start = Instant::now();
        let (again, loaded_again) = Ledger::open(Store::open(&target.url).await?).await?;
        let startup = start.elapsed();
        out["rebuild"] = json!({
            "seconds": (rebuild.as_secs_f64() * 1000.0).round() / 1000.0,
            "events_per_s": rate(loaded.replayed, rebuild).round(),
            "startup_from_snapshot_seconds": (startup.as_secs_f64() * 1000.0).round() / 1000.0,
            "snapshot_seq": snap_at,
            "replayed_after_snapshot": loaded_again.replayed,
        });
        drop(again);
        out["peak_rss_mib"] = json!(rss_after_rebuild);
    }
    store.close().await;
    target.drop_db().await;
    Ok(out)
}

/// Starts `govledger serve` (this very binary) on `url` as a child process, waits until it
/// listens (it has then folded the whole log), sends reads of every kind and returns its peak
/// RSS (`VmHWM` from /proc) and start-up time. The child is killed at the end in any case.
async fn server_rss(store: &Store, url: &str, n: u64) -> anyhow::Result<Value> {
    use tokio::io::AsyncBufReadExt;

    let dir = tempfile::tempdir()?;
    let key = dir.path().join("bench.key");
    crate::checkpoint::write_signer_key(
        &key,
        &crate::checkpoint::Signer::generate("bench.govledger/rss")
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let admin = crate::demo::demo_genesis_admin();
    // The bench's ledger is built by hand (cycled decisions): a fixture token.
    let (ledger, _) = Ledger::open(store.clone()).await?;
    let token = ledger
        .issue_token_unchecked(
            &admin.person_id,
            govledger_schema::events::TokenRole::Auditor,
            &admin.person_id,
            None,
        )
        .await?
        .token;
    drop(ledger);
    let exe = std::env::current_exe().context("the bench's own executable")?;
    let start = Instant::now();
    let mut child = tokio::process::Command::new(exe)
        .args(["serve", "--db", url, "--listen", "127.0.0.1:0"])
        .arg("--key-file")
        .arg(&key)
        .args(["--checkpoint-every", "0"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting govledger serve")?;
    let pid = child.id().context("server pid")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = lines
        .next_line()
        .await?
        .context("the server exited before listening")?;
    let startup = start.elapsed();
    let base = first
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line from the server: {first}"))?
        .to_owned();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        async move {
            let r = client
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "GET {path}: {}", r.status());
            let mut body = r.bytes_stream();
            let mut bytes = 0usize;
            while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
                bytes += chunk?.len();
            }
            Ok::<usize, anyhow::Error>(bytes)
        }
    };
    let rss_started = process_rss_mib(pid, "VmRSS");
    for path in [
        "/v1/organisation".to_owned(),
        "/v1/assets".to_owned(),
        "/v1/access".to_owned(),
        "/v1/audit".to_owned(),
        "/v1/events?limit=1000".to_owned(),
        format!("/v1/events?after={}&limit=1000", n / 2),
        format!("/v1/proof/inclusion?seq={}", n / 3),
        format!("/v1/proof/consistency?from={}&to={n}", n / 2),
    ] {
        get(path).await?;
    }
    let exported = get("/v1/export.jsonl".to_owned()).await?;
    let peak = process_rss_mib(pid, "VmHWM");
    let rss_end = process_rss_mib(pid, "VmRSS");
    let _ = child.kill().await;
    Ok(json!({
        "startup_seconds": (startup.as_secs_f64() * 1000.0).round() / 1000.0,
        "rss_after_start_mib": rss_started,
        "rss_after_reads_mib": rss_end,
        "peak_rss_mib": peak,
        "export_bytes": exported,
    }))
}

/// A memory figure (`VmHWM`, `VmRSS`) of process `pid`, from /proc (Linux), in MiB.
fn process_rss_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

/// The HTTP figure: a real server on a loopback port, `clients` concurrent clients each sending
/// single decisions (`issue_directive`, which the system administrator may make as the
/// supervisor's deputy) until `decisions` are recorded.
async fn http_decisions(args: &BenchArgs) -> anyhow::Result<Value> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    let target = Target::new(args, "http").await?;
    let store = Store::open(&target.url).await?;
    let (ledger, _) = Ledger::open(store.clone()).await?;
    let admin = crate::demo::demo_genesis_admin();
    ledger
        .genesis(&admin, crate::demo::demo_genesis_at())
        .await?;
    let notary = crate::notary::Notary::new(
        crate::checkpoint::Signer::generate("bench.govledger/http")
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    let token = crate::http::tokens::issue(
        &ledger,
        &admin.person_id,
        crate::http::tokens::Role::Admin,
        &crate::http::tokens::Issuer::Person(admin.person_id.clone()),
        None,
    )
    .await?
    .token;
    let counted = ledger.clone();
    let state = crate::http::AppState::new(ledger, notary).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server =
        tokio::spawn(async move { axum::serve(listener, crate::server::app(state)).await });

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients as usize)
        .build()?;
    let url = format!("http://{addr}/v1/commands/issue_directive");
    let remaining = Arc::new(AtomicU64::new(args.decisions));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let (client, url, token, remaining) = (
            client.clone(),
            url.clone(),
            token.clone(),
            remaining.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0u64;
            while remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| r.checked_sub(1))
                .is_ok()
            {
                let body = json!({
                    "title": format!("情報セキュリティ対策の徹底 {c}-{}", latencies.len()),
                    "body": "各課において川崎市情報セキュリティ基準に基づく点検を実施すること。",
                    "bureau": null,
                    "effective_at": "2021-04-02T00:00:00+09:00",
                });
                let t = Instant::now();
                let ok = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                latencies.push(t.elapsed());
                if !ok {
                    failures += 1;
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (l, f) = t.await?;
        latencies.extend(l);
        failures += f;
    }
    let elapsed = start.elapsed();
    server.abort();
    anyhow::ensure!(
        failures == 0,
        "{failures} decisions failed during the HTTP bench"
    );
    latencies.sort();

    // Baseline: raw single-row autocommit INSERTs from as many concurrent tasks.
    let raw_start = Instant::now();
    let count = args.decisions;
    let inserted = Arc::new(AtomicU64::new(0));
    macro_rules! raw_autocommit {
        ($p:expr, $create:expr) => {{
            sqlx::query($create).execute($p).await?;
            let mut tasks = Vec::new();
            for _ in 0..args.clients {
                let (p, inserted) = ($p.clone(), inserted.clone());
                tasks.push(tokio::spawn(async move {
                    let body = vec![b'x'; 515];
                    while inserted.fetch_add(1, Ordering::Relaxed) < count {
                        sqlx::query("INSERT INTO raw_single (body) VALUES ($1)")
                            .bind(&body[..])
                            .execute(&p)
                            .await?;
                    }
                    Ok::<(), sqlx::Error>(())
                }));
            }
            for t in tasks {
                t.await??;
            }
        }};
    }
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(p), _) => raw_autocommit!(
            p,
            "CREATE TABLE raw_single (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)"
        ),
        (_, Some(p)) => raw_autocommit!(
            p,
            "CREATE TABLE raw_single (seq BIGSERIAL PRIMARY KEY, body BYTEA NOT NULL)"
        ),
        _ => {}
    }
    let raw = raw_start.elapsed();
    store.close().await;
    target.drop_db().await;
    let mut fig = figure(rate(count, elapsed), rate(count, raw));
    fig["clients"] = json!(args.clients);
    fig["p50_ms"] = json!(percentile(&latencies, 0.5));
    fig["p99_ms"] = json!(percentile(&latencies, 0.99));
    // How many decisions shared each commit (group commit at work).
    let (batches, batched) = counted.batch_stats();
    fig["batches"] = json!(batches);
    fig["decisions_per_batch"] =
        json!((batched as f64 / batches.max(1) as f64 * 10.0).round() / 10.0);
    Ok(fig)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default()
}
