//! govledger: the service — store, rules, Merkle proofs, HTTP and CLI.
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod cli;
pub mod merkle;
pub mod store;
