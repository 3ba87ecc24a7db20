//! Whole-log reads of a SQLite ledger file outside sqlx: the rows `verify` checks.
//!
//! sqlx's SQLite driver runs each connection on a worker thread of its own and hands every row
//! to the task that asked over a channel, one send and one wake-up per row. For a scan of every
//! row that hand-off, not SQLite, was what `verify` spent most of its time on (BENCHMARKS.md,
//! sessions 4 and 7: `finish_task_switch` the first entry of its profile). Here a read-only
//! connection of `rusqlite`'s (the same bundled SQLite, through the same `libsqlite3-sys`)
//! steps through the rows on a blocking thread, in one read transaction (one snapshot of the
//! log), and hands them over a page at a time, at most two pages ahead of the verifier.
//!
//! Only reads go this way: every write stays on sqlx's pool and its transactions, so the lock
//! protocol (`BEGIN IMMEDIATE`, the head) is untouched. A store without a file of its own (an
//! in-memory database) reads through sqlx as before.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::OpenFlags;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{RowColumns, SCAN_PAGE, StoreError, to_i64};

/// A page of rows, or why reading stopped.
pub(super) type PageResult = Result<Vec<RowColumns>, StoreError>;

/// Reads the rows of seqs `from ..= last` in seq order, in pages of [`SCAN_PAGE`], on a
/// blocking thread; the receiver gets each page as it is read and an error as the last item.
/// Dropping the receiver stops the reader at its next page.
pub(super) fn read_pages(path: PathBuf, from: u64, last: u64) -> mpsc::Receiver<PageResult> {
    let (tx, rx) = mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = read_into(&path, from, last, &tx) {
            let _ = tx.blocking_send(Err(e));
        }
    });
    rx
}

fn read_into(
    path: &Path,
    from: u64,
    last: u64,
    pages: &mpsc::Sender<PageResult>,
) -> Result<(), StoreError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(30))?;
    // One read transaction: every page comes from the same snapshot of the log.
    let snapshot = conn.unchecked_transaction()?;
    // The same columns as sqlx's reader, packed in SQL (`columns_select!`): a column whose
    // type was changed behind the writer's back still packs into some text, which `verify`
    // then reports as a column disagreeing with the body rather than failing to read it.
    let mut stmt = snapshot.prepare(concat!(
        columns_select!(),
        " WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq"
    ))?;
    let mut rows = stmt.query((to_i64(from), to_i64(last)))?;
    let page_len = usize::try_from(SCAN_PAGE).unwrap_or(10_000);
    let mut page = Vec::with_capacity(page_len);
    while let Some(row) = rows.next()? {
        // Read by what SQLite holds, never failing on a changed type: an id that is not 16
        // bytes reads as the nil UUID, which no body holds (the id column disagrees); text
        // where bytes belong reads as its bytes (a hash or body then fails its own check).
        let id = row
            .get_ref(1)?
            .as_bytes()
            .ok()
            .and_then(|b| Uuid::from_slice(b).ok())
            .unwrap_or(Uuid::nil());
        let packed = match row.get_ref(2)?.as_bytes_or_null() {
            Ok(Some(b)) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        };
        let bytes = |i: usize| -> Result<Option<Vec<u8>>, rusqlite::Error> {
            Ok(row
                .get_ref(i)?
                .as_bytes_or_null()
                .ok()
                .flatten()
                .map(<[u8]>::to_vec))
        };
        page.push((
            row.get(0)?,
            id,
            packed,
            bytes(3)?.unwrap_or_default(),
            bytes(4)?.unwrap_or_default(),
            bytes(5)?,
        ));
        if page.len() == page_len {
            let full = std::mem::replace(&mut page, Vec::with_capacity(page_len));
            if pages.blocking_send(Ok(full)).is_err() {
                return Ok(()); // the verifier stopped at a break
            }
        }
    }
    if !page.is_empty() {
        let _ = pages.blocking_send(Ok(page));
    }
    Ok(())
}
