//! The C2SP tlog-tiles read API (c2sp.org/tlog-tiles): the log as static resources that
//! standard transparency tools (Go's `sumdb/tlog`, witnesses, monitors) read without this
//! server's JSON API.
//!
//! - `GET /checkpoint`: the latest signed checkpoint note (as `GET /v1/checkpoint`),
//!   `Cache-Control: no-store`.
//! - `GET /tile/<L>/<N>[.p/<W>]`: hash tile `N` of tile level `L` (tile height 8: the 256
//!   hashes of Merkle level `8·L` starting at node `N·256`; level 0 holds the leaf hashes),
//!   `W` of them for a partial tile. `N` is written in 3-digit groups, all but the last
//!   prefixed with `x` (`1234067` is `x001/x234/067`).
//! - `GET /tile/entries/<N>[.p/<W>]`: the canonical bodies of events `N·256 + 1 ..`, each
//!   framed by its length as a big-endian `uint16`.
//!
//! **Which tree.** Tiles are served for the tree of the latest signed checkpoint, not for the
//! head: a tile (or a partial width) that only a larger, still unsigned tree has is 404 until
//! the next checkpoint (periodic, or `POST /v1/checkpoint`). The spec asks a log to serve the
//! tiles of every tree it produced a checkpoint for, and a client can use no other (it checks
//! tiles against a signed root); so nothing is published before it is signed, a public
//! deployment reveals events at the pace it signs, and every tile served is the fixed content
//! of a signed tree. Every partial width up to the signed one is served, so a client holding
//! an older checkpoint finds its tiles too.
//!
//! **Caching.** A tile's bytes never change (a partial tile of width `W` is the first `W`
//! hashes of its full tile, which are final once they exist): `max-age` of a year and
//! `immutable`, `public` when the tiles are public and `private` when a token was needed, so
//! no shared cache hands them to someone without one. A 404 (not yet signed) and the
//! checkpoint are `no-store`.
//!
//! **Access.** Behind the auditor/admin token like every `/v1` read, unless `serve
//! --public-tiles`: entry bundles reveal every event's body, so publishing them is the
//! deployment's decision.
//!
//! These routes are outside the OpenAPI document except `/checkpoint`: a tile index spans a
//! variable number of path segments, which an OpenAPI path template cannot express, and the
//! bodies are binary; c2sp.org/tlog-tiles is their contract.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::error::Error;

/// Hashes (or entries) in a full tile: tile height 8.
pub const TILE_WIDTH: u64 = 256;
/// Highest tile level the spec names (a `u64` tree never fills a tile above level 7).
pub const MAX_TILE_LEVEL: u8 = 63;
/// An entry bundle frames each entry with a `uint16` length; sealing refuses a longer body
/// (`store::MAX_EVENT_BODY_BYTES`), so only a ledger written otherwise can exceed it.
pub const MAX_ENTRY_BYTES: usize = crate::store::MAX_EVENT_BODY_BYTES;

const IMMUTABLE_PUBLIC: &str = "public, max-age=31536000, immutable";
const IMMUTABLE_PRIVATE: &str = "private, max-age=31536000, immutable";
const NO_STORE: &str = "no-store";

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// A hash tile of this tile level (Merkle level `8 · level`).
    Hashes(u8),
    /// An entry bundle (its hashes are the level-0 tile of the same index).
    Entries,
}

/// A tile coordinate: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    pub kind: TileKind,
    pub index: u64,
    /// 1..=256; 256 is a full tile.
    pub width: u64,
}

impl TilePath {
    /// Parses the part of the path after `tile/`, accepting only the canonical spelling (the
    /// one [`TilePath::path`] writes), so one tile has one URL. The error names the part at
    /// fault (`L`, `N` or `W`, the spec's names).
    pub fn parse(rest: &str) -> Result<TilePath, Error> {
        let segments: Vec<&str> = rest.split('/').collect();
        let (first, mut index_segments) = match segments.split_first() {
            Some((first, more)) if !more.is_empty() => (*first, more.to_vec()),
            _ => {
                return Err(Error::bad_param(
                    "N",
                    "a tile path is tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]",
                ));
            }
        };
        let kind = if first == "entries" {
            TileKind::Entries
        } else {
            let level = decimal(first)
                .and_then(|l| u8::try_from(l).ok())
                .filter(|l| *l <= MAX_TILE_LEVEL)
                .ok_or_else(|| {
                    Error::bad_param(
                        "L",
                        format!(
                            "{first:?} is not a tile level (a whole number 0 to {MAX_TILE_LEVEL} \
                             without leading zeros, or `entries`)"
                        ),
                    )
                })?;
            TileKind::Hashes(level)
        };
        let mut width = TILE_WIDTH;
        if let [.., before, last] = index_segments[..]
            && let Some(stripped) = before.strip_suffix(".p")
        {
            width = decimal(last)
                .filter(|w| (1..TILE_WIDTH).contains(w))
                .ok_or_else(|| {
                    Error::bad_param(
                        "W",
                        format!(
                            "{last:?} is not a partial tile width (a whole number 1 to 255 \
                             without leading zeros)"
                        ),
                    )
                })?;
            let n = index_segments.len();
            index_segments[n - 2] = stripped;
            index_segments.truncate(n - 1);
        }
        let bad_index = || {
            Error::bad_param(
                "N",
                format!(
                    "{:?} is not a tile index (3-digit groups, all but the last prefixed with \
                     x, without leading zero groups: 1234067 is x001/x234/067)",
                    index_segments.join("/")
                ),
            )
        };
        let (last, groups) = index_segments.split_last().ok_or_else(bad_index)?;
        let mut index: u64 = 0;
        for (group, prefixed) in groups
            .iter()
            .map(|g| (*g, true))
            .chain(std::iter::once((*last, false)))
        {
            let digits = if prefixed {
                group.strip_prefix('x').ok_or_else(bad_index)?
            } else {
                group
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_index());
            }
            let value: u64 = digits.parse().map_err(|_| bad_index())?;
            index = index
                .checked_mul(1000)
                .and_then(|i| i.checked_add(value))
                .ok_or_else(bad_index)?;
        }
        let tile = TilePath { kind, index, width };
        if tile.path() != format!("tile/{rest}") {
            return Err(bad_index());
        }
        Ok(tile)
    }

    /// The tile's path under the log's prefix (`tile/0/x001/234.p/5`).
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hashes(l) => l.to_string(),
            TileKind::Entries => "entries".to_owned(),
        };
        let mut n = self.index;
        let mut index = format!("{:03}", n % 1000);
        while n >= 1000 {
            n /= 1000;
            index = format!("x{:03}/{index}", n % 1000);
        }
        let partial = if self.width == TILE_WIDTH {
            String::new()
        } else {
            format!(".p/{}", self.width)
        };
        format!("tile/{level}/{index}{partial}")
    }

    /// The tile level whose hashes this tile holds (entry bundles go with level 0).
    fn level(&self) -> u8 {
        match self.kind {
            TileKind::Hashes(l) => l,
            TileKind::Entries => 0,
        }
    }

    /// True when a tree of `size` leaves has this tile: at tile level `L` the tree has
    /// `floor(size / 256^L)` hashes, and the tile needs the first `index · 256 + width`.
    pub fn in_tree(&self, size: u64) -> bool {
        let hashes = size.checked_shr(8 * u32::from(self.level())).unwrap_or(0);
        self.index
            .checked_mul(TILE_WIDTH)
            .and_then(|start| start.checked_add(self.width))
            .is_some_and(|end| end <= hashes)
    }
}

/// A decimal number without leading zeros (`0` itself allowed).
fn decimal(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

/// The tlog-tiles routes; behind the token middleware unless `public`.
pub fn router(state: &AppState, public: bool) -> Router<AppState> {
    let routes = Router::new().route("/checkpoint", get(checkpoint)).route(
        "/tile/{*path}",
        get(move |state: State<AppState>, path: Path<String>| tile(state, path, public)),
    );
    if public {
        routes
    } else {
        routes.route_layer(from_fn_with_state(
            state.clone(),
            super::auth::require_token,
        ))
    }
}

/// The latest signed checkpoint (C2SP tlog-checkpoint note), as `GET /v1/checkpoint` answers
/// it, never cached: it is the one mutable resource of the tiled log.
#[utoipa::path(
    get,
    path = "/checkpoint",
    tag = "tiles",
    responses(
        (status = 200, description = "The latest signed note", content_type = "text/plain", body = String,
            headers(("Cache-Control" = String, description = "`no-store`: the checkpoint moves with the log"))),
    ),
    security(("bearer" = []))
)]
pub async fn checkpoint(state: State<AppState>) -> Result<Response, Error> {
    let mut res = super::proofs::latest(state).await?;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE));
    Ok(res)
}

/// A hash tile or an entry bundle; an error is never cached (a 404 tile may be signed soon).
async fn tile(State(state): State<AppState>, Path(rest): Path<String>, public: bool) -> Response {
    match tile_bytes(&state, &rest).await {
        Ok(bytes) => {
            let cache = if public {
                IMMUTABLE_PUBLIC
            } else {
                IMMUTABLE_PRIVATE
            };
            let mut res = (StatusCode::OK, bytes).into_response();
            let headers = res.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            res
        }
        Err(e) => {
            let mut res = e.into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE));
            res
        }
    }
}

async fn tile_bytes(state: &AppState, rest: &str) -> Result<Vec<u8>, Error> {
    let tile = TilePath::parse(rest)?;
    let Some(signed) = state.store().checkpoint(None).await? else {
        return Err(Error::NotFound(
            "no checkpoint has been signed yet; tiles are served for the tree of the latest \
             checkpoint"
                .into(),
        ));
    };
    if !tile.in_tree(signed.size) {
        return Err(Error::NotFound(format!(
            "{} is not in the tree of the latest checkpoint (size {}); tiles are served for \
             signed trees only",
            tile.path(),
            signed.size
        )));
    }
    match tile.kind {
        TileKind::Hashes(level) => {
            let hashes = state
                .store()
                .tile_hashes(level, tile.index, tile.width)
                .await?;
            Ok(hashes.iter().flat_map(|h| h.0).collect())
        }
        TileKind::Entries => {
            let bodies = state.store().entry_bundle(tile.index, tile.width).await?;
            let mut out = Vec::with_capacity(bodies.iter().map(|b| b.len() + 2).sum());
            for (at, body) in (tile.index * TILE_WIDTH + 1..).zip(&bodies) {
                let len = u16::try_from(body.len()).map_err(|_| {
                    Error::Internal(format!(
                        "event {at} is {} bytes; an entry bundle frames at most \
                         {MAX_ENTRY_BYTES} (tlog-tiles' uint16 length)",
                        body.len()
                    ))
                })?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(body);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(kind: TileKind, index: u64, width: u64) -> TilePath {
        TilePath { kind, index, width }
    }

    fn check(rest: &str, expect: Option<TilePath>) {
        match (TilePath::parse(rest), expect) {
            (Ok(got), Some(want)) => {
                assert_eq!(got, want, "{rest}");
                assert_eq!(got.path(), format!("tile/{rest}"));
            }
            (Err(_), None) => {}
            (got, want) => panic!("{rest}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn tile_paths_parse_in_their_one_canonical_spelling() {
        use TileKind::{Entries, Hashes};
        check("0/000", Some(tile(Hashes(0), 0, 256)));
        check("0/x001/x234/067", Some(tile(Hashes(0), 1_234_067, 256)));
        check("1/x001/234.p/5", Some(tile(Hashes(1), 1234, 5)));
        check("63/999.p/255", Some(tile(Hashes(63), 999, 255)));
        check("entries/002.p/1", Some(tile(Entries, 2, 1)));
        check(
            "entries/x018/x446/x744/x073/x709/x551/615",
            Some(tile(Entries, u64::MAX, 256)),
        );
        for bad in [
            "",
            "0",
            "0/",
            "00/000",
            "64/000",
            "-1/000",
            "0/0",
            "0/0000",
            "0/1234",
            "0/x000/001",
            "0/001/002",
            "0/x1/002",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/05",
            "0/000.p/",
            "0/000.p",
            "0/000/.p/5",
            "0/x018/x446/x744/x073/x709/x551/616",
            "entries/000/",
            "data/000",
        ] {
            check(bad, None);
        }
    }

    #[test]
    fn a_tile_is_in_a_tree_once_the_tree_has_all_its_hashes() {
        use TileKind::{Entries, Hashes};
        // The spec's example: a tree of 70,000 has 273 full level-0 tiles and a partial one of
        // 112, one full level-1 tile and a partial one of 17, and a level-2 tile of 1.
        let size = 70_000;
        assert!(tile(Hashes(0), 272, 256).in_tree(size));
        assert!(!tile(Hashes(0), 273, 256).in_tree(size));
        assert!(tile(Hashes(0), 273, 112).in_tree(size));
        assert!(tile(Entries, 273, 112).in_tree(size));
        assert!(!tile(Hashes(0), 273, 113).in_tree(size));
        assert!(tile(Hashes(1), 0, 256).in_tree(size));
        assert!(tile(Hashes(1), 1, 17).in_tree(size));
        assert!(!tile(Hashes(1), 1, 18).in_tree(size));
        assert!(tile(Hashes(2), 0, 1).in_tree(size));
        assert!(!tile(Hashes(3), 0, 1).in_tree(size));
        assert!(!tile(Hashes(63), 0, 1).in_tree(u64::MAX));
        assert!(!tile(Entries, u64::MAX, 1).in_tree(u64::MAX));
        assert!(!tile(Hashes(0), 0, 1).in_tree(0));
    }
}
