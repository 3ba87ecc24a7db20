//! No function is longer than a screenful or two (150 lines, from its `fn` line to the closing
//! brace at the same indentation) in the rooms issue 18 cut into procedures: the rules, the
//! projections, the demo, the web view (pages and the admin workspace) and the workspace's
//! shared logic. One scan for all of them, so the rule and its exceptions are in one place.
//! The exception: `rules::route`, the flat table of one arm per command.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 150;
const ALLOWED: &[&str] = &["route"];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(function, lines)` of every function in `text` (free, associated or nested; `pub`,
/// `const`, `async` or not).
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        let indent = &line[..line.len() - code.len()];
        let mut code = code;
        for prefix in [
            "pub(crate) ",
            "pub(super) ",
            "pub ",
            "const ",
            "async ",
            "unsafe ",
        ] {
            code = code.trim_start_matches(prefix);
        }
        let Some(name) = code.strip_prefix("fn ") else {
            continue;
        };
        let name: String = name
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        let end = lines[i..]
            .iter()
            .position(|l| *l == close)
            .unwrap_or(lines.len() - i);
        out.push((name, end + 1));
    }
    out
}

#[test]
fn no_function_in_the_procedure_rooms_is_long() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    for room in [
        "src/rules",
        "projections/src",
        "src/demo",
        "src/web",
        "src/workspace",
    ] {
        let mut paths = Vec::new();
        files(&root.join(room), &mut paths);
        let mut seen = 0;
        for path in &paths {
            for (name, n) in functions(&std::fs::read_to_string(path).unwrap()) {
                seen += 1;
                if n > MAX_LINES && !ALLOWED.contains(&name.as_str()) {
                    long.push(format!("{}: {name} has {n} lines", path.display()));
                }
            }
        }
        assert!(
            seen > 20,
            "{room}: only {seen} functions found: is the scan broken?"
        );
    }
    assert!(long.is_empty(), "{long:#?}");
}

#[test]
fn the_scan_counts_a_function_to_its_closing_brace() {
    let text = "pub async fn a() {\n    x;\n    y;\n}\n\nimpl T {\n    fn b(&self) {\n    }\n}\n";
    assert_eq!(functions(text), [("a".to_owned(), 4), ("b".to_owned(), 2)]);
}
