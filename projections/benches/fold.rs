//! Fold throughput, state hash, snapshot encode/decode and peak RSS on demo-shaped events.
//!
//! `cargo bench -p govledger-projections --bench fold -- EXPORT.jsonl [N]`: EXPORT is a JSON
//! Lines export (`govledger demo`, then `govledger export`); its events are cycled with fresh
//! ids, seqs and streams until there are N (default 100,000), as `govledger bench` does.

use std::time::{Duration, Instant};

use chrono::Utc;
use govledger_projections::State;
use govledger_schema::{Digest32, Event, NewEvent};
use uuid::Uuid;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |k| k / 1024.0)
}

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let Some(path) = args.next() else {
        eprintln!("usage: fold EXPORT.jsonl [N]  (skipped: no export given)");
        return Ok(());
    };
    let n: u64 = match args.next() {
        Some(s) => s.parse()?,
        None => 100_000,
    };
    let text = std::fs::read_to_string(&path)?;
    let mut templates: Vec<NewEvent> = Vec::new();
    for l in text.lines().filter(|l| !l.is_empty()) {
        let e = Event::decode(l.as_bytes())?;
        templates.push(NewEvent {
            id: e.id,
            event_type: e.event_type,
            data: e.data,
            meta: e.meta,
            effective_at: e.effective_at,
        });
    }
    if templates.is_empty() {
        return Err(format!("{path} holds no events").into());
    }
    let now = Utc::now();
    let body = |i: u64| {
        let mut e = templates[(i as usize) % templates.len()].clone();
        e.id = Uuid::now_v7();
        let stream = format!("bench/{}", (i / 100) % 1000);
        e.seal(i + 1, &stream, i / 100_000 + 1, now, Digest32::ZERO)
            .encode()
    };
    let rss0 = peak_rss_mib();
    let only = std::env::var("FOLD_ONLY").unwrap_or_default();

    // Bodies are made a page at a time outside the clock, as the store reads them.
    let mut state = State::default();
    let mut decode = Duration::ZERO;
    let mut apply = Duration::ZERO;
    let mut i = 0;
    while i < n {
        let page: Vec<Vec<u8>> = (i..n.min(i + 1000)).map(body).collect::<Result<_, _>>()?;
        i += page.len() as u64;
        let d = Instant::now();
        let events: Vec<Event> = page
            .iter()
            .map(|b| Event::decode(b))
            .collect::<Result<_, _>>()?;
        decode += d.elapsed();
        let a = Instant::now();
        for e in &events {
            state.apply(e);
        }
        apply += a.elapsed();
    }
    let total = decode + apply;
    let rss_fold = peak_rss_mib();
    println!(
        "fold {n}: decode+apply {:.3}s ({:.0}/s), decode {:.3}s, apply {:.3}s ({:.0}/s); peak rss {:.0} MiB (before {:.0})",
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64(),
        decode.as_secs_f64(),
        apply.as_secs_f64(),
        n as f64 / apply.as_secs_f64(),
        rss_fold,
        rss0
    );
    println!(
        "malformed {}, unknown types {}",
        state.malformed().len(),
        state.unknown_types().len()
    );
    if only == "fold" {
        return Ok(());
    }
    let t = Instant::now();
    let h = state.state_hash();
    println!(
        "state_hash {:.3}s; peak rss {:.0} MiB",
        t.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    let t = Instant::now();
    let (h3, bin) = state.to_snapshot()?;
    println!(
        "snapshot binary encode {:.3}s, {} bytes; peak rss {:.0} MiB",
        t.elapsed().as_secs_f64(),
        bin.len(),
        peak_rss_mib()
    );
    let t = Instant::now();
    std::hint::black_box(Digest32::of(&bin));
    println!(
        "  of which SHA-256 of the bytes {:.3}s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let back = State::from_snapshot(&bin, &h3)?;
    println!(
        "snapshot binary decode (hash checked) {:.3}s; equal {}; peak rss {:.0} MiB",
        t.elapsed().as_secs_f64(),
        h3 == h && back == state,
        peak_rss_mib()
    );
    drop((back, bin));
    let t = Instant::now();
    let snap = serde_json::to_vec(&state)?;
    println!(
        "snapshot json encode {:.3}s, {} bytes; peak rss {:.0} MiB",
        t.elapsed().as_secs_f64(),
        snap.len(),
        peak_rss_mib()
    );
    let t = Instant::now();
    let back: State = serde_json::from_slice(&snap)?;
    let dec = t.elapsed();
    let t = Instant::now();
    let h2 = back.state_hash();
    println!(
        "snapshot json decode {:.3}s + hash {:.3}s; equal {}; peak rss {:.0} MiB",
        dec.as_secs_f64(),
        t.elapsed().as_secs_f64(),
        h == h2 && back == state,
        peak_rss_mib()
    );
    Ok(())
}
