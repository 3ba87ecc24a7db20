//! The `govledger` command.
#![forbid(unsafe_code)]

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: rows are allocated on the database driver's thread and
/// freed on the verifier's and decoder's threads, and glibc's arena locks made that hand-over a
/// fifth of `verify`'s profile (see BENCHMARKS.md). The crate's `override` feature sends the C
/// side's `malloc`/`free` (SQLite copies each value of a row with them) to mimalloc as well.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    govledger::cli::main().await
}
