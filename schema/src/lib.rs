//! govledger's data contract: the event envelope, canonical JSON (RFC 8785) and hashing.
//!
//! Architecture invariant: nothing in this crate does I/O or reads a clock.
#![forbid(unsafe_code)]

pub mod canonical;
pub mod envelope;
pub mod events;

pub use envelope::{Digest32, EnvelopeError, Event, Meta, NewEvent};
