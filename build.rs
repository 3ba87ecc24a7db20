//! Rebuild when a migration changes: `sqlx::migrate!` embeds `schema/sql/*` at compile time,
//! and without this cargo does not know to re-run it when a file there is added or edited
//! (sqlx's documented remedy, as its macro cannot tell cargo itself on stable Rust).
fn main() {
    println!("cargo:rerun-if-changed=schema/sql");
}
