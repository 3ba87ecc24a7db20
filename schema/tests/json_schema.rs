#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

//! The JSON Schema files in `schema/json/` are generated from the payload types and checked in,
//! so a change of the data contract is a visible diff. This test fails when they drift.
//! Regenerate with `UPDATE_SCHEMAS=1 cargo test -p govledger-schema --test json_schema`.

use std::path::PathBuf;

use govledger_schema::events::{EVENT_TYPES, json_schema};

fn json_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("json")
}

fn rendered(event_type: &str) -> String {
    let schema = json_schema(event_type).expect("every registered type has a schema");
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

#[test]
fn checked_in_schemas_match_the_payload_types() {
    let dir = json_dir();
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    if update {
        std::fs::create_dir_all(&dir).expect("create schema/json");
    }
    let mut drifted = Vec::new();
    for t in EVENT_TYPES {
        let path = dir.join(format!("{t}.json"));
        let want = rendered(t);
        if update {
            std::fs::write(&path, &want).expect("write schema");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            drifted.push(path.display().to_string());
        }
    }
    assert!(
        drifted.is_empty(),
        "schemas differ from the types (run UPDATE_SCHEMAS=1 cargo test -p govledger-schema --test json_schema): {drifted:?}"
    );
}

#[test]
fn no_stray_schema_files() {
    let Ok(entries) = std::fs::read_dir(json_dir()) else {
        return;
    };
    for entry in entries {
        let name = entry
            .expect("dir entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(t) = name.strip_suffix(".json") else {
            continue;
        };
        assert!(
            EVENT_TYPES.contains(&t),
            "schema/json/{name} names no event type"
        );
    }
}

#[test]
fn schemas_forbid_unknown_fields() {
    for t in EVENT_TYPES {
        let schema = json_schema(t).expect("schema");
        let v = serde_json::to_value(&schema).expect("value");
        assert_eq!(
            v["additionalProperties"],
            serde_json::Value::Bool(false),
            "{t}"
        );
    }
}
