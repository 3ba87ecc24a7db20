//! What an admin needs to record a decision without JSON, computed from the command's schema and
//! the projections, shared by the API (`GET /v1/commands/{kind}/options`) and the web view's
//! forms and to-do lists (`/ui/decide`, `/ui/todo`), so the two cannot disagree.
//!
//! Pure: no I/O, no clock (the caller passes the lens, hence the date).

pub mod fields;
pub mod options;
pub mod todo;
