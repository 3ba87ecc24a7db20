//! The C2SP tlog-tiles read API of a real `govledger serve`, on both backends, checked by a
//! client written here from the specs alone (c2sp.org/tlog-tiles, c2sp.org/signed-note,
//! RFC 9162 §2.1): it verifies the checkpoint's signature, rebuilds the signed root from the
//! tiles, proves inclusion of events and consistency between checkpoints from tiles only, and
//! checks the entry bundles against the level-0 tiles. Then Go's `sumdb/tlog` (unmodified,
//! Debian's `golang-golang-x-mod-dev`) does the same through its own `TileHashReader`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::collections::HashMap;
use std::process::Stdio;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use govledger::store::{ExpectedVersion, Store};
use sha2::{Digest as _, Sha256};
use support::http::{BIN, WAIT, fixture_token, key_dir, new_key};
use support::{TestDb, event};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

on_both_backends!(
    tiles_prove_inclusion_and_consistency_between_signed_checkpoints,
    tiles_beyond_the_signed_tree_are_404_and_never_cached,
    public_tiles_need_no_token_and_say_so_to_caches,
    go_sumdb_tlog_verifies_records_and_trees_against_the_served_tiles,
);

type Hash = [u8; 32];

const IMMUTABLE_PRIVATE: &str = "private, max-age=31536000, immutable";
const IMMUTABLE_PUBLIC: &str = "public, max-age=31536000, immutable";

// ---------------------------------------------------------------------------------------------
// A server of our own, so that `--public-tiles` can be passed.

struct Server {
    url: String,
    auditor: String,
    client: reqwest::Client,
    _child: Child,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

async fn serve(db: &TestDb, extra: &[&str]) -> Server {
    fixture_token(&db.url, "ADMIN1", "admin").await;
    let auditor = fixture_token(&db.url, "AUDITOR1", "auditor").await;
    let dir = key_dir();
    let key = new_key(dir.path());
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--checkpoint-every",
            "0",
        ])
        .arg("--key-file")
        .arg(&key)
        .args(extra)
        .env("GOVLEDGER_DB", &db.url)
        .env("RUST_LOG", "warn")
        .env_remove("GOVLEDGER_PUBLIC_TILES")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("the server did not print its address in time")
        .unwrap()
        .expect("the server exited before printing its address");
    let url = first.strip_prefix("listening on ").unwrap().to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server {
        url,
        auditor,
        client: reqwest::Client::builder().timeout(WAIT).build().unwrap(),
        _child: child,
        _dir: dir,
    }
}

impl Server {
    async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(format!("{}/{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// Signs a checkpoint at the head (`POST /v1/checkpoint`, an auditor may) and returns it.
    async fn sign(&self) -> String {
        let res = self
            .client
            .post(format!("{}/v1/checkpoint", self.url))
            .bearer_auth(&self.auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    }

    /// The checkpoint of the first `size` events, signed now if need be.
    async fn sign_at(&self, size: u64) -> String {
        let res = self
            .get(&format!("v1/checkpoints/{size}"), Some(&self.auditor))
            .await;
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    }

    async fn public_key(&self) -> String {
        let res = self.get("v1/public-key", None).await;
        assert_eq!(res.status(), 200);
        res.text().await.unwrap().trim().to_owned()
    }
}

/// Appends `n` test events in batches of 100 (the store does not check rules).
async fn fill(store: &Store, n: u64) {
    let mut i = 0;
    while i < n {
        let batch: Vec<_> = (i..n.min(i + 100)).map(event).collect();
        i += batch.len() as u64;
        store
            .append(&format!("s/{}", i % 7), ExpectedVersion::Any, batch)
            .await
            .unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// The client, from the specs.

/// A verified checkpoint: c2sp.org/tlog-checkpoint body, c2sp.org/signed-note signature.
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    size: u64,
    root: Hash,
}

/// Opens a signed note with the verifier key `<name>+<hex key id>+<base64(0x01 ‖ key)>` and
/// parses its checkpoint body (origin, size, base64 root).
fn open_checkpoint(note: &str, vkey: &str) -> Checkpoint {
    let mut parts = vkey.splitn(3, '+');
    let (name, id_hex, key_b64) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let key = B64.decode(key_b64).unwrap();
    assert_eq!(key[0], 0x01, "an Ed25519 verifier key");
    let mut id_input = format!("{name}\n").into_bytes();
    id_input.extend_from_slice(&key);
    let key_id: [u8; 4] = Sha256::digest(&id_input)[..4].try_into().unwrap();
    assert_eq!(hex(&key_id), id_hex);
    let key = VerifyingKey::from_bytes(&key[1..].try_into().unwrap()).unwrap();

    let (text, signatures) = note.split_once("\n\n").expect("a note has a blank line");
    let text = format!("{text}\n");
    let signed = signatures.lines().any(|line| {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return false;
        };
        let Some((signer, sig)) = rest.split_once(' ') else {
            return false;
        };
        let sig = B64.decode(sig).unwrap_or_default();
        signer == name
            && sig.len() == 68
            && sig[..4] == key_id
            && key
                .verify(
                    text.as_bytes(),
                    &Signature::from_bytes(&sig[4..].try_into().unwrap()),
                )
                .is_ok()
    });
    assert!(signed, "the checkpoint is not signed by {name}:\n{note}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], name, "origin line");
    Checkpoint {
        size: lines[1].parse().unwrap(),
        root: B64.decode(lines[2]).unwrap().try_into().unwrap(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// `tile/<L>/<N>[.p/<W>]` (or `entries` for `L`), written from the spec's words.
fn tile_path(level: &str, index: u64, width: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut n = index / 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    let partial = if width == 256 {
        String::new()
    } else {
        format!(".p/{width}")
    };
    format!("tile/{level}/{}{partial}", groups.join("/"))
}

/// The tiles of one signed tree, every one fetched, and what the spec lets a client derive.
struct TiledTree {
    size: u64,
    /// (tile level, tile index) -> hashes.
    tiles: HashMap<(u32, u64), Vec<Hash>>,
}

impl TiledTree {
    /// Fetches every hash tile of the tree of `size` leaves, at the width that tree has.
    async fn fetch(server: &Server, token: Option<&str>, size: u64) -> TiledTree {
        let mut tiles = HashMap::new();
        let mut level = 0u32;
        loop {
            let hashes = size >> (8 * level);
            if hashes == 0 {
                break;
            }
            for index in 0..hashes.div_ceil(256) {
                let width = (hashes - index * 256).min(256);
                let path = tile_path(&level.to_string(), index, width);
                let res = server.get(&path, token).await;
                assert_eq!(res.status(), 200, "{path}");
                assert_eq!(res.headers()["content-type"], "application/octet-stream");
                let bytes = res.bytes().await.unwrap();
                assert_eq!(bytes.len() as u64, width * 32, "{path}");
                let hs: Vec<Hash> = bytes.chunks(32).map(|c| c.try_into().unwrap()).collect();
                tiles.insert((level, index), hs);
            }
            level += 1;
        }
        let tree = TiledTree { size, tiles };
        // "At level 1 and above, each hash in a tile is the Merkle Tree Hash of a full tile
        // at the level below."
        for (&(level, index), hashes) in &tree.tiles {
            if level == 0 {
                continue;
            }
            for (i, h) in hashes.iter().enumerate() {
                let child = &tree.tiles[&(level - 1, index * 256 + i as u64)];
                assert_eq!(child.len(), 256, "only full tiles are hashed upwards");
                assert_eq!(perfect_root(child), *h, "tile {level}/{index} hash {i}");
            }
        }
        tree
    }

    /// The hash of the perfect subtree of `2^level` leaves starting at leaf `index << level`.
    fn node(&self, level: u32, index: u64) -> Hash {
        let (tile_level, below) = (level / 8, level % 8);
        let first = index << below;
        let hashes = &self.tiles[&(tile_level, first / 256)];
        let at = (first % 256) as usize;
        perfect_root(&hashes[at..at + (1usize << below)])
    }

    /// MTH(D[start:end]) (RFC 9162 §2.1.1), for the ranges its recursion makes.
    fn mth(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        assert!(n > 0 && end <= self.size);
        if n.is_power_of_two() {
            let level = n.trailing_zeros();
            assert_eq!(start % n, 0);
            return self.node(level, start >> level);
        }
        let k = 1u64 << (n - 1).ilog2();
        node_hash(&self.mth(start, start + k), &self.mth(start + k, end))
    }

    /// PATH(m, D[start:end]) (RFC 9162 §2.1.3.1).
    fn path(&self, m: u64, start: u64, end: u64) -> Vec<Hash> {
        let n = end - start;
        if n == 1 {
            return Vec::new();
        }
        let k = 1u64 << (n - 1).ilog2();
        if m < k {
            let mut p = self.path(m, start, start + k);
            p.push(self.mth(start + k, end));
            p
        } else {
            let mut p = self.path(m - k, start + k, end);
            p.push(self.mth(start, start + k));
            p
        }
    }

    /// SUBPROOF(m, D[start:end], b) (RFC 9162 §2.1.4.1).
    fn subproof(&self, m: u64, start: u64, end: u64, b: bool) -> Vec<Hash> {
        let n = end - start;
        if m == n {
            return if b {
                Vec::new()
            } else {
                vec![self.mth(start, end)]
            };
        }
        let k = 1u64 << (n - 1).ilog2();
        if m <= k {
            let mut p = self.subproof(m, start, start + k, b);
            p.push(self.mth(start + k, end));
            p
        } else {
            let mut p = self.subproof(m - k, start + k, end, false);
            p.push(self.mth(start, start + k));
            p
        }
    }
}

/// The root of a power-of-two run of hashes.
fn perfect_root(hashes: &[Hash]) -> Hash {
    assert!(hashes.len().is_power_of_two());
    let mut level = hashes.to_vec();
    while level.len() > 1 {
        level = level.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
    }
    level[0]
}

/// RFC 9162 §2.1.3.2: verifies an inclusion proof of leaf `index` in a tree of `size`.
fn verify_inclusion(index: u64, size: u64, leaf: Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: verifies a consistency proof between trees of `first` and `second`.
fn verify_consistency(first: u64, second: u64, proof: &[Hash], r1: &Hash, r2: &Hash) -> bool {
    if first == second {
        return proof.is_empty() && r1 == r2;
    }
    if first == 0 || first > second || proof.is_empty() {
        return false;
    }
    let mut path = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *r1);
    }
    let (mut f_n, mut s_n) = (first - 1, second - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    fr == *r1 && sr == *r2 && s_n == 0
}

/// Splits an entry bundle into its entries (big-endian uint16 length, then the entry).
fn entries(mut bundle: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bundle.is_empty() {
        let len = u16::from_be_bytes([bundle[0], bundle[1]]) as usize;
        out.push(bundle[2..2 + len].to_vec());
        bundle = &bundle[2 + len..];
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The tests.

/// Two checkpoints (302 and 602 events; 256 and 513 signed by size too): every root rebuilt
/// from the tiles equals the signed one, inclusion of events at tile edges and consistency
/// between every pair of signed sizes are proved from the tiles of the larger tree alone, and
/// every entry of the bundles is the stored body and hashes to its level-0 tile hash.
async fn tiles_prove_inclusion_and_consistency_between_signed_checkpoints(db: TestDb) {
    let server = serve(&db, &[]).await;
    let token = Some(server.auditor.as_str());
    let store = db.open().await;
    let vkey = server.public_key().await;
    fill(&store, 300).await; // two token events first: 302
    let first = open_checkpoint(&server.sign().await, &vkey);
    assert_eq!(first.size, 302);
    fill(&store, 300).await;
    let second = open_checkpoint(&server.sign().await, &vkey);
    assert_eq!(second.size, 602);
    let mut signed = vec![first, second];
    for size in [256, 513] {
        signed.push(open_checkpoint(&server.sign_at(size).await, &vkey));
    }

    // /checkpoint is the latest, never cached.
    let res = server.get("checkpoint", token).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let latest = open_checkpoint(&res.text().await.unwrap(), &vkey);
    assert_eq!((latest.size, latest.root), (second.size, second.root));

    // Every signed tree's tiles (the older ones at their partial widths) rebuild its root.
    let mut trees = HashMap::new();
    for cp in &signed {
        let tree = TiledTree::fetch(&server, token, cp.size).await;
        assert_eq!(tree.mth(0, cp.size), cp.root, "root of {}", cp.size);
        trees.insert(cp.size, tree);
    }
    let big = &trees[&602];
    assert_eq!(big.tiles.len(), 4, "0/000, 0/001, 0/002.p/90 and 1/000.p/2");
    assert_eq!(big.tiles[&(1, 0)].len(), 2);

    // Entry bundles: the stored bodies, hashing to the level-0 tile.
    let stored = store.read_range(1, 602).await.unwrap();
    for (index, width) in [(0u64, 256u64), (1, 256), (2, 90), (1, 1), (2, 46)] {
        let path = tile_path("entries", index, width);
        let res = server.get(&path, token).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "application/octet-stream");
        assert_eq!(res.headers()["cache-control"], IMMUTABLE_PRIVATE);
        let got = entries(&res.bytes().await.unwrap());
        assert_eq!(got.len() as u64, width, "{path}");
        for (i, entry) in got.iter().enumerate() {
            let at = (index * 256) as usize + i;
            assert_eq!(entry, &stored[at].body, "{path} entry {i}");
            assert_eq!(
                leaf_hash(entry),
                big.tiles[&(0, index)][i],
                "{path} entry {i}"
            );
        }
    }

    // Inclusion, from tiles only, against each signed root.
    for cp in &signed {
        let tree = &trees[&cp.size];
        for seq in [1u64, 2, 255, 256, 257, 302, 303, 512, 513, 600, 602] {
            if seq > cp.size {
                continue;
            }
            let index = seq - 1;
            let proof = tree.path(index, 0, cp.size);
            let leaf = leaf_hash(&stored[index as usize].body);
            assert!(
                verify_inclusion(index, cp.size, leaf, &proof, &cp.root),
                "seq {seq} in {}",
                cp.size
            );
            // A proof for another leaf does not pass for this one.
            assert!(!verify_inclusion(
                index,
                cp.size,
                leaf_hash(b"not an event"),
                &proof,
                &cp.root
            ));
        }
    }

    // Consistency between every pair of signed sizes, from the larger tree's tiles only.
    for old in &signed {
        for new in signed.iter().filter(|n| n.size > old.size) {
            let proof = trees[&new.size].subproof(old.size, 0, new.size, true);
            assert!(
                verify_consistency(old.size, new.size, &proof, &old.root, &new.root),
                "{} -> {}",
                old.size,
                new.size
            );
            assert!(!verify_consistency(
                old.size, new.size, &proof, &new.root, &new.root
            ));
        }
    }

    // A partial tile is a prefix of the full one, and both are immutable.
    let full = server.get("tile/0/000", token).await;
    assert_eq!(full.headers()["cache-control"], IMMUTABLE_PRIVATE);
    let full = full.bytes().await.unwrap();
    let part = server.get("tile/0/000.p/10", token).await;
    assert_eq!(part.headers()["cache-control"], IMMUTABLE_PRIVATE);
    assert_eq!(part.bytes().await.unwrap()[..], full[..320]);

    // Without a token: 401, like every /v1 read.
    for path in ["checkpoint", "tile/0/000", "tile/entries/000"] {
        assert_eq!(server.get(path, None).await.status(), 401, "{path}");
    }
}

/// A tile beyond the signed tree is 404 (`no-store`, so no cache keeps the miss), also when
/// the events are committed but not yet signed; it is served once a checkpoint covers it.
/// A malformed path is 400 naming the part at fault.
async fn tiles_beyond_the_signed_tree_are_404_and_never_cached(db: TestDb) {
    let server = serve(&db, &[]).await;
    let token = Some(server.auditor.as_str());
    let store = db.open().await;
    let status = |path: &'static str| {
        let server = &server;
        async move {
            let res = server.get(path, token).await;
            let status = res.status().as_u16();
            if status != 200 {
                assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
                assert_eq!(
                    res.headers()["content-type"],
                    "application/problem+json",
                    "{path}"
                );
            }
            status
        }
    };
    fill(&store, 258).await; // 260 events, none signed
    assert_eq!(status("tile/0/000.p/1").await, 404, "no checkpoint yet");
    let vkey = server.public_key().await;
    let cp = open_checkpoint(&server.sign_at(200).await, &vkey);
    assert_eq!(cp.size, 200);
    assert_eq!(status("tile/0/000.p/200").await, 200);
    assert_eq!(status("tile/entries/000.p/200").await, 200);
    // Committed, but beyond the signed tree.
    assert_eq!(status("tile/0/000.p/201").await, 404);
    assert_eq!(status("tile/0/000").await, 404);
    assert_eq!(status("tile/entries/000").await, 404);
    assert_eq!(status("tile/1/000.p/1").await, 404);
    server.sign().await;
    assert_eq!(status("tile/0/000").await, 200);
    assert_eq!(status("tile/0/001.p/4").await, 200);
    assert_eq!(status("tile/1/000.p/1").await, 200);
    assert_eq!(status("tile/entries/001.p/4").await, 200);
    // Beyond the tree at every level.
    for path in [
        "tile/0/001",
        "tile/0/001.p/5",
        "tile/0/002.p/1",
        "tile/entries/001.p/5",
        "tile/1/000.p/2",
        "tile/1/000",
        "tile/2/000.p/1",
        "tile/63/000.p/1",
        "tile/0/x018/x446/x744/x073/x709/x551/615",
    ] {
        assert_eq!(status(path).await, 404, "{path}");
    }
    for (path, field) in [
        ("tile/0/1", "N"),
        ("tile/0/x000/001", "N"),
        ("tile/00/000", "L"),
        ("tile/64/000", "L"),
        ("tile/0/000.p/256", "W"),
        ("tile/0/000.p/0", "W"),
    ] {
        let res = server.get(path, token).await;
        assert_eq!(res.status(), 400, "{path}");
        let problem: serde_json::Value = res.json().await.unwrap();
        assert_eq!(problem["field"], field, "{path}");
    }
}

/// `serve --public-tiles`: the tiles and the checkpoint need no token and tell shared caches
/// they may keep them; everything else still needs one.
async fn public_tiles_need_no_token_and_say_so_to_caches(db: TestDb) {
    let server = serve(&db, &["--public-tiles"]).await;
    let store = db.open().await;
    fill(&store, 10).await;
    let vkey = server.public_key().await;
    let cp = open_checkpoint(&server.sign().await, &vkey);
    assert_eq!(cp.size, 12);
    let res = server.get("checkpoint", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = server.get("tile/0/000.p/12", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], IMMUTABLE_PUBLIC);
    let tree = TiledTree::fetch(&server, None, 12).await;
    assert_eq!(tree.mth(0, 12), cp.root);
    let res = server.get("tile/entries/000.p/12", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], IMMUTABLE_PUBLIC);
    let bundle = entries(&res.bytes().await.unwrap());
    for (i, entry) in bundle.iter().enumerate() {
        assert_eq!(leaf_hash(entry), tree.tiles[&(0, 0)][i]);
    }
    for path in ["v1/events", "v1/checkpoint", "v1/head"] {
        assert_eq!(server.get(path, None).await.status(), 401, "{path}");
    }
}

/// Go's `golang.org/x/mod/sumdb/tlog`, unmodified, reads the served tiles through its own
/// `TileHashReader` (which authenticates every tile against the signed tree hash), proves and
/// checks records and the tree between two checkpoints; `sumdb/note` verifies the
/// checkpoints. Skipped loudly only when `go` is absent (CI installs it, `.ci/run`).
async fn go_sumdb_tlog_verifies_records_and_trees_against_the_served_tiles(db: TestDb) {
    let gopath = "/usr/share/gocode";
    if std::process::Command::new("go")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!(
            "SKIPPED: Go's sumdb/tlog check — `go` is not installed \
             (apt-get install golang-go golang-golang-x-mod-dev; CI does)"
        );
        return;
    }
    assert!(
        std::path::Path::new(gopath)
            .join("src/golang.org/x/mod/sumdb/tlog")
            .exists(),
        "go is installed but golang.org/x/mod is not: apt-get install golang-golang-x-mod-dev"
    );
    let server = serve(&db, &[]).await;
    let store = db.open().await;
    fill(&store, 400).await;
    let old = server.sign().await; // 402
    fill(&store, 600).await;
    let new = server.sign().await; // 1002
    let dir = tempfile::tempdir().unwrap();
    let old_path = dir.path().join("old.checkpoint");
    std::fs::write(&old_path, &old).unwrap();
    let program = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/tlogtiles.go");
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(300),
        Command::new("go")
            .arg("run")
            .arg(&program)
            .arg(&server.url)
            .arg(server.public_key().await)
            .arg(&old_path)
            .args(["1", "2", "256", "257", "402", "403", "512", "513", "1002"])
            .env("GO111MODULE", "off")
            .env("GOPATH", gopath)
            .env("GOFLAGS", "")
            .env("GOPROXY", "off")
            .env(
                "GOCACHE",
                std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-build"),
            )
            .env("GOVLEDGER_TOKEN", &server.auditor)
            .output(),
    )
    .await
    .expect("go run took too long")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the Go client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let opened = open_checkpoint(&new, &server.public_key().await);
    assert_eq!(opened.size, 1002);
    for seq in ["1", "2", "256", "257", "402", "403", "512", "513", "1002"] {
        assert!(
            stdout.contains(&format!("record {seq} included in 1002\n")),
            "{stdout}"
        );
    }
    assert!(stdout.contains("tree 1002 extends 402\n"), "{stdout}");
    assert!(stdout.contains("record 402 included in 402\n"), "{stdout}");
}
