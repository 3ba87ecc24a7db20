//! Upcasting on read: `operation.recorded.v1` events that older code wrote stay in the log
//! byte for byte and are read as the `operation.recorded.v2` they mean (no ticket), on both
//! backends. A ledger holding v1 records folds to the same views as one holding their v2
//! equivalents; new decisions record v2; the state rebuilt from the log (through
//! `Peek::for_fold`, through `State::apply` of decoded events, and from a snapshot) equals the
//! state kept incrementally; and `verify --deep` passes on the ledger mixing both versions.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::path::Path;
use std::process::{Command as Process, Output};

use govledger::ledger::{CommandRequest, Ledger};
use govledger::rules::Command;
use govledger::store::{ExpectedVersion, Store};
use govledger_projections::State;
use govledger_schema::events::{
    EventPayload, OperationKind, OperationRecorded, OperationRecordedV1, OperationResult, Role,
};
use govledger_schema::{Meta, NewEvent};
use support::{TestDb, jst};
use uuid::Uuid;

const ADMIN: &str = "P0001";
const GENESIS: &str = "2025-04-01";

fn govledger(args: &[&str]) -> Output {
    Process::new(env!("CARGO_BIN_EXE_govledger"))
        .args(args)
        .env_remove("GOVLEDGER_DB")
        .env_remove("GOVLEDGER_KEY_FILE")
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn init(db: &TestDb, key: &Path) {
    ok(govledger(&[
        "init",
        "--db",
        &db.url,
        "--key-file",
        key.to_str().unwrap(),
        "--admin-id",
        ADMIN,
        "--admin-name",
        "管理 太郎",
        "--genesis-at",
        GENESIS,
    ]));
}

/// The administrator's backups as the code before v2 recorded them: stream, basis and role as
/// the rule set them, data in the v1 shape (or its v2 equivalent), appended through the store.
fn backups(v2: bool) -> Vec<(&'static str, NewEvent)> {
    [
        (
            "2025-04-07T02:00:00+09:00",
            OperationResult::Succeeded,
            None,
        ),
        (
            "2025-04-14T02:00:00+09:00",
            OperationResult::Failed,
            Some("テープ装置の障害"),
        ),
        (
            "2025-04-15T02:00:00+09:00",
            OperationResult::Succeeded,
            None,
        ),
    ]
    .into_iter()
    .map(|(at, result, detail)| {
        let v1 = OperationRecordedV1 {
            operation: OperationKind::Backup,
            target: "DBサーバ 週次フルバックアップ".into(),
            result,
            detail: detail.map(str::to_owned),
            recorded_as: Role::SystemAdministrator,
        };
        let (event_type, data) = if v2 {
            let p = OperationRecorded::from(v1);
            (OperationRecorded::EVENT_TYPE, p.to_data().unwrap())
        } else {
            (OperationRecordedV1::EVENT_TYPE, v1.to_data().unwrap())
        };
        (
            "operation/backup",
            NewEvent {
                id: Uuid::now_v7(),
                event_type: event_type.into(),
                data,
                meta: Meta {
                    actor: ADMIN.into(),
                    acting_for: None,
                    basis: "第4条第1項・第11条第1号".into(),
                    request_id: None,
                    causation_id: None,
                },
                effective_at: jst(at),
            },
        )
    })
    .collect()
}

/// A genesis ledger, the backups appended as old code wrote them (`v2` false) or in v2, then a
/// maintenance decided now, through the ledger (the ledger was open before the backups were
/// appended, so it folds them on refresh, the way another instance's appends are folded).
async fn ledger(db: &TestDb, v2: bool) -> (Store, Ledger) {
    let keys = tempfile::tempdir().unwrap();
    init(db, &keys.path().join("signing.key"));
    let store = db.open().await;
    let (ledger, _) = Ledger::open(store.clone()).await.unwrap();
    for (stream, e) in backups(v2) {
        store
            .append(stream, ExpectedVersion::Any, vec![e])
            .await
            .unwrap();
    }
    ledger.refresh().await.unwrap();
    let done = ledger
        .execute(CommandRequest {
            command: Command::RecordOperation {
                operation: OperationKind::Maintenance,
                target: "APサーバ OSセキュリティパッチ適用".into(),
                result: OperationResult::Succeeded,
                detail: None,
                ticket: Some("CHG-0042".into()),
            },
            actor: ADMIN.into(),
            effective_at: jst("2025-04-16T20:00:00+09:00"),
            effective_at_defaulted: false,
            event_id: None,
            request_id: None,
            token: None,
        })
        .await
        .unwrap();
    let _ = done;
    (store, ledger)
}

/// What a reader sees of the operations and the audit, as of a day after the last of them.
/// A `decision_recorded_late` finding's message quotes the stored type and the time it was
/// recorded, which differ between two ledgers by design; of those, kind, article and seqs.
fn views(state: &State) -> (serde_json::Value, serde_json::Value) {
    let lens = state.lens(jst("2025-04-17T00:00:00+09:00"), None);
    let incidents = serde_json::to_value(lens.incidents()).unwrap();
    let audit: Vec<serde_json::Value> = lens
        .audit()
        .findings
        .into_iter()
        .map(|f| {
            let mut f = serde_json::to_value(f).unwrap();
            if f["kind"] == "decision_recorded_late" {
                f["message"] = serde_json::Value::Null;
            }
            f
        })
        .collect();
    (incidents["operations"].clone(), audit.into())
}

/// Folds the stored log from scratch with `State::apply` of each decoded event (the path of
/// `parse_payload` over the data value; the ledger's refresh parses the body's text).
async fn folded(store: &Store) -> State {
    let head = store.head().await.unwrap().seq;
    let mut state = State::default();
    for row in store.read_range(1, head).await.unwrap() {
        state.apply(&row.event().unwrap());
    }
    state
}

async fn v1_records_fold_to_the_views_of_their_v2_equivalents(db: TestDb) {
    let (old_store, old) = ledger(&db, false).await;
    let other = if db.url.starts_with("sqlite") {
        TestDb::sqlite()
    } else {
        TestDb::postgres().await.unwrap()
    };
    let (_new_store, new) = ledger(&other, true).await;

    // The v1 bodies are in the log as old code wrote them.
    let head = old_store.head().await.unwrap().seq;
    let rows = old_store.read_range(1, head).await.unwrap();
    let types: Vec<String> = rows
        .iter()
        .map(|r| r.event().unwrap().event_type)
        .filter(|t| t.starts_with("operation."))
        .collect();
    assert_eq!(
        types,
        [
            "operation.recorded.v1",
            "operation.recorded.v1",
            "operation.recorded.v1",
            "operation.recorded.v2"
        ]
    );
    for row in &rows {
        let e = row.event().unwrap();
        if e.event_type == "operation.recorded.v1" {
            assert!(e.data.get("ticket").is_none(), "{}", e.data);
        }
    }

    // Read as v2: nothing unknown or malformed, and the same views as the v2 ledger's.
    old.read(|s| {
        assert!(s.unknown_types().is_empty(), "{:?}", s.unknown_types());
        assert!(s.malformed().is_empty(), "{:?}", s.malformed());
    });
    let (ops, audit) = old.read(views);
    assert_eq!((ops.clone(), audit.clone()), new.read(views));
    let ops = ops.as_array().unwrap();
    assert_eq!(ops.len(), 4, "{ops:?}");
    assert!(ops[..3].iter().all(|o| o["ticket"].is_null()), "{ops:?}");
    assert_eq!(ops[3]["ticket"], "CHG-0042");
    assert_eq!(ops[1]["detail"], "テープ装置の障害");
    // The v1 backups count: a backup on 15 April, so none is overdue on the 17th.
    assert!(
        !audit
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "periodic_operation_overdue"
                && f["message"].as_str().unwrap().contains(" backup ")),
        "{audit}"
    );

    // Rebuilt from the log, three ways, equals the state kept incrementally.
    let incremental = old.read(State::state_hash);
    assert_eq!(folded(&old_store).await.state_hash(), incremental);
    let (reopened, loaded) = Ledger::open(old_store.clone()).await.unwrap();
    assert_eq!(loaded.snapshot_seq, None);
    assert_eq!(reopened.read(State::state_hash), incremental);
    reopened.snapshot().await.unwrap();
    let (from_snapshot, loaded) = Ledger::open(old_store.clone()).await.unwrap();
    assert_eq!(loaded.snapshot_seq, Some(head));
    assert_eq!(from_snapshot.read(State::state_hash), incremental);
    assert_eq!(from_snapshot.read(views), (ops.to_vec().into(), audit));

    // The ledger mixing both versions verifies, canonical spelling included.
    old_store.close().await;
    let out = ok(govledger(&["verify", "--deep", "--db", &db.url]));
    assert!(
        out.starts_with(&format!("ok: {head} events verified")),
        "{out}"
    );
}

on_both_backends!(v1_records_fold_to_the_views_of_their_v2_equivalents);
