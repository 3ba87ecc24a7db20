//! Export and import as JSON Lines: one canonical body per line, `\n`-terminated.
//!
//! Import only fills an empty ledger, and re-checks everything `verify` checks before a single
//! row commits: each line canonical and well-formed, seqs 1..N, each `prev` the hash of the line
//! before, stream versions counting up. It runs in one transaction, so a bad line anywhere
//! leaves the ledger exactly as it was.

use std::collections::HashMap;

use govledger_schema::{Digest32, Event};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{Head, SCAN_PAGE, Store, StoreError};

/// Longest line import accepts: a body the ledger could have sealed, and its newline.
pub const MAX_LINE_BYTES: usize = super::MAX_EVENT_BODY_BYTES + 1;

/// Why an import was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the target ledger is not empty (head at seq {0}); import only fills an empty ledger")]
    NotEmpty(u64),
    #[error("line {line}: {reason}")]
    BadLine { line: u64, reason: String },
    #[error("reading the input: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes events with seq in `[from, to]` as JSON Lines; returns how many were written.
pub async fn export(
    store: &Store,
    from: u64,
    to: Option<u64>,
    out: &mut (impl AsyncWrite + Unpin),
) -> Result<u64, ExportError> {
    let last = to.unwrap_or(u64::MAX);
    let mut written = 0u64;
    let mut buf = Vec::with_capacity(1 << 20);
    let first = from.max(1);
    if first > last {
        out.flush().await?;
        return Ok(0);
    }
    // Fetch the next page while writing this one, so reading and writing overlap.
    let fetch = |from: u64| {
        let store = store.clone();
        tokio::spawn(async move { store.read_from(from, SCAN_PAGE.min(last - from + 1)).await })
    };
    let mut pending = Some(fetch(first));
    while let Some(task) = pending.take() {
        let page = task
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
        let Some(tail) = page.last() else { break };
        let next = tail.seq + 1;
        if page.len() as u64 == SCAN_PAGE && next <= last {
            pending = Some(fetch(next));
        }
        buf.clear();
        for e in &page {
            buf.extend_from_slice(&e.body);
            buf.push(b'\n');
        }
        out.write_all(&buf).await?;
        written += page.len() as u64;
    }
    out.flush().await?;
    Ok(written)
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the output: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports a JSON Lines export into an empty ledger. Returns the new head.
pub async fn import(
    store: &Store,
    input: &mut (impl AsyncBufRead + Unpin),
    mut progress: impl FnMut(u64),
) -> Result<Head, ImportError> {
    let mut writer = store.begin().await?;
    if writer.head().seq != 0 {
        return Err(ImportError::NotEmpty(writer.head().seq));
    }
    let mut versions: HashMap<String, u64> = HashMap::new();
    let mut line_no = 0u64;
    let mut prev = Digest32::ZERO;
    let mut line = Vec::with_capacity(4096);
    loop {
        line.clear();
        let n = (&mut *input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let bad = |reason: String| ImportError::BadLine {
            line: line_no,
            reason,
        };
        // The newline included: a body of MAX_EVENT_BODY_BYTES and its newline fit exactly.
        if line.len() > MAX_LINE_BYTES {
            return Err(bad(format!(
                "longer than {MAX_LINE_BYTES} bytes with its newline"
            )));
        }
        if line.last() != Some(&b'\n') {
            return Err(bad("does not end with a newline (truncated file?)".into()));
        }
        let body = &line[..line.len() - 1];
        let event = Event::decode(body).map_err(|e| bad(e.to_string()))?;
        // What the writer refuses to append, import refuses to load: an export is any file, and
        // a ledger must hold only what the ledger itself could have written.
        event.validate().map_err(|e| bad(e.to_string()))?;
        if event.seq != line_no {
            return Err(bad(format!("seq is {}, expected {line_no}", event.seq)));
        }
        if event.prev != prev {
            return Err(bad(format!(
                "prev {} is not the hash of the line before ({prev})",
                event.prev
            )));
        }
        let due = versions.get(&event.stream).copied().unwrap_or(0) + 1;
        if event.version != due {
            return Err(bad(format!(
                "stream {} version is {}, expected {due}",
                event.stream, event.version
            )));
        }
        versions.insert(event.stream.clone(), due);
        prev = writer
            .append_sealed(&event, body)
            .await
            .map_err(|e| match e {
                StoreError::Database(db) => bad(format!("database refused it: {db}")),
                other => bad(other.to_string()),
            })?;
        progress(line_no);
    }
    Ok(writer.commit().await?)
}
