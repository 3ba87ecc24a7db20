//! No import cycles between the crate's top-level modules (issue 18, "No cycles").
//!
//! A source scan, since `cargo modules` is not installed here: every `crate::X` path (and
//! every `X` of a `crate::{X, …}` group) in a file under `src/X/` or `src/X.rs` that is not a
//! comment is an edge from that file's top-level module to `X`. Test code counts: a cycle
//! that only tests close is still a cycle. The graph must be acyclic; a cycle is printed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules `text` names through `crate::`.
fn referenced(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            // `$crate::` and `foo_crate::` are not this crate's paths.
            if before.is_some_and(|c| c == '$' || c == '_' || c.is_alphanumeric()) {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a, b::c}` on one line (rustfmt keeps short groups on one).
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let name = ident(item.trim());
                    if !name.is_empty() {
                        found.insert(name.to_owned());
                    }
                }
            } else {
                let name = ident(rest);
                if !name.is_empty() {
                    found.insert(name.to_owned());
                }
            }
        }
    }
    found
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .unwrap_or(s.len());
    &s[..end]
}

/// The module graph of the crate rooted at `src`.
fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        for dep in referenced(&text) {
            if dep != module {
                deps.insert(dep);
            }
        }
    }
    graph
}

/// A cycle of `graph`, as the modules along it (the first repeated at the end), if any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn top_level_modules_have_no_import_cycle() {
    let graph = module_graph(&src());
    let edges: Vec<String> = graph
        .iter()
        .map(|(m, deps)| format!("{m} -> {}", Vec::from_iter(deps.iter().cloned()).join(", ")))
        .collect();
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between top-level modules: {}\nthe graph:\n{}",
            cycle.join(" -> "),
            edges.join("\n")
        );
    }
}

#[test]
fn the_rooms_depend_the_way_the_architecture_says() {
    let graph = module_graph(&src());
    let has = |from: &str, to: &str| graph.get(from).is_some_and(|d| d.contains(to));
    // The scan sees the edges that must be there (so it is not vacuously acyclic)…
    for (from, to) in [
        ("cli", "server"),
        ("server", "http"),
        ("server", "web"),
        ("web", "http"),
        ("http", "ledger"),
        ("ledger", "rules"),
        ("ledger", "store"),
    ] {
        assert!(has(from, to), "expected {from} -> {to}; graph: {graph:?}");
    }
    // …and none of the ones this issue removed.
    for (from, to) in [
        ("http", "web"),
        ("http", "cli"),
        ("http", "server"),
        ("web", "server"),
        ("web", "cli"),
        ("witness", "cli"),
    ] {
        assert!(
            !has(from, to),
            "{from} must not import {to}; graph: {graph:?}"
        );
    }
}

#[test]
fn the_scan_reads_paths_groups_and_skips_comments() {
    let text = "use crate::http::{AppState, Error};\n\
                use crate::{ledger, store::Store};\n\
                /// see [`crate::web::router`]\n\
                // crate::cli is mentioned here only\n\
                let x = $crate::jst::now(); let y = crate::rules::decide;\n";
    let found: Vec<String> = referenced(text).into_iter().collect();
    assert_eq!(found, ["http", "ledger", "rules", "store"]);
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&graph), None);
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&graph).map(|c| c.join(" -> ")),
        Some("a -> b -> c -> a".to_owned())
    );
}

/// The ledger's SQL lives in `src/store/` (issue 18): no other room runs a statement or takes
/// the store's pool, except those that need the database itself (`bench`'s raw baselines,
/// `backup`'s `VACUUM INTO` copy) and the witness, whose SQLite file is its own.
#[test]
fn only_the_store_runs_the_ledgers_sql() {
    const ALLOWED: [&str; 3] = ["bench.rs", "cli/backup.rs", "witness/"];
    let src = src();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offenders = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("store/") || ALLOWED.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if ["sqlx::", "rusqlite::", "sqlite_pool(", "postgres_pool("]
                .iter()
                .any(|p| code.contains(p))
            {
                offenders.push(format!("src/{rel}:{}: {}", n + 1, code));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "SQL or a pool outside src/store/:\n{}",
        offenders.join("\n")
    );
}

/// The pools' accessors are crate-private (for `bench` and `backup`, above) unless the
/// `test-support` feature makes them public, and only the integration tests turn it on (the
/// package's dev-dependency on itself): a build that is not a test hands no pool to anyone.
#[test]
fn the_pools_are_public_only_with_the_test_support_feature() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = std::fs::read_to_string(root.join("src/store/mod.rs")).unwrap();
    let lines: Vec<&str> = store.lines().map(str::trim).collect();
    let declared: Vec<(&str, &str)> = lines
        .windows(2)
        .filter(|w| w[1].starts_with("pool_accessors!("))
        .map(|w| (w[0], w[1]))
        .collect();
    assert_eq!(
        declared,
        [
            (
                r#"#[cfg(feature = "test-support")]"#,
                "pool_accessors!(pub);"
            ),
            (
                r#"#[cfg(not(feature = "test-support"))]"#,
                "pool_accessors!(pub(crate));"
            ),
        ]
    );
    // No other definition of an accessor, anywhere in the crate.
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let defs =
            text.matches("fn sqlite_pool(").count() + text.matches("fn postgres_pool(").count();
        let expected = if file.ends_with("store/mod.rs") { 2 } else { 0 };
        assert_eq!(defs, expected, "{}", file.display());
    }
    // The feature is off by default; the dev-dependency is what turns it on.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let dev = manifest
        .split("[dev-dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap();
    assert!(
        dev.contains(r#"govledger = { path = ".", features = ["test-support"] }"#),
        "{dev}"
    );
    assert_eq!(
        manifest.matches(r#""test-support""#).count(),
        1,
        "{manifest}"
    );
    assert!(!manifest.contains("\ndefault = "), "no default features");
}
