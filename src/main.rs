//! The `govledger` command.
#![forbid(unsafe_code)]

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    govledger::cli::main().await
}
