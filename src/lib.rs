//! govledger: the service — store, rules, Merkle proofs, HTTP and CLI.
#![forbid(unsafe_code)]

pub mod bench;
pub mod checkpoint;
pub mod cli;
pub mod conn;
pub mod demo;
pub mod http;
pub mod jst;
pub mod ledger;
pub mod merkle;
pub mod notary;
pub mod rules;
pub mod server;
pub mod store;
pub mod web;
pub mod witness;
pub mod workspace;
