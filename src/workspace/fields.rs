//! Each command kind's members as form fields, read from the command's JSON Schema — the one
//! `/v1/openapi.json` publishes — so a form and the API cannot disagree about what a decision
//! holds. A member that names a record carries `"x-ref": "<kind>"` in the schema
//! (`#[schemars(extend("x-ref" = …))]` on the field of [`Command`]); it becomes a choice among
//! the records valid at the decision's date ([`super::options`]).
//!
//! The reverse direction, [`to_json`], turns a submitted form (name/value pairs, a repeated
//! name for a multiple choice, `member.field` for a nested object, `member.N.field` for a row)
//! into the command's JSON object, which the API's own parser then reads.

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::rules::Command;

/// What a member refers to; the valid choices come from [`super::options::choices`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    Person,
    Post,
    OfficerPost,
    Unit,
    Bureau,
    Asset,
    Modification,
    Retirement,
    SecurityRequest,
    PermissionRequest,
    Meeting,
    Incident,
}

impl RefKind {
    pub fn parse(s: &str) -> Option<RefKind> {
        Some(match s {
            "person" => RefKind::Person,
            "post" => RefKind::Post,
            "officer_post" => RefKind::OfficerPost,
            "unit" => RefKind::Unit,
            "bureau" => RefKind::Bureau,
            "asset" => RefKind::Asset,
            "modification" => RefKind::Modification,
            "retirement" => RefKind::Retirement,
            "security_request" => RefKind::SecurityRequest,
            "permission_request" => RefKind::PermissionRequest,
            "meeting" => RefKind::Meeting,
            "incident" => RefKind::Incident,
            _ => return None,
        })
    }

    pub const ALL: [RefKind; 12] = [
        RefKind::Person,
        RefKind::Post,
        RefKind::OfficerPost,
        RefKind::Unit,
        RefKind::Bureau,
        RefKind::Asset,
        RefKind::Modification,
        RefKind::Retirement,
        RefKind::SecurityRequest,
        RefKind::PermissionRequest,
        RefKind::Meeting,
        RefKind::Incident,
    ];
}

/// How a member is entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// One line of text.
    Text,
    /// Several lines of text (a reason, a description).
    LongText,
    Bool,
    Integer,
    /// `YYYY-MM-DD`.
    Date,
    /// A moment, entered as a JST date and time.
    DateTime,
    Uuid,
    /// One of fixed values (an enum of the schema).
    Choice(Vec<String>),
    /// One record of a kind.
    Ref(RefKind),
    /// Several records of a kind.
    Refs(RefKind),
    /// A list of texts, one per line.
    Lines,
    /// An object tagged by `kind`: the variants and their fields.
    Tagged(Vec<(String, Vec<Field>)>),
    /// A list of objects with these fields, entered as rows.
    Rows(Vec<Field>),
}

/// One member of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub input: Input,
    pub required: bool,
    /// The schema's description (the field's doc comment), if any.
    pub doc: Option<String>,
}

/// One command kind as a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// `grant_permission`, …
    pub kind: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
}

/// How many rows a form offers for a list of objects (a roster's entries).
pub const ROWS: usize = 6;

/// Members written over several lines.
const LONG_TEXTS: &[&str] = &[
    "description",
    "content",
    "reason",
    "finding",
    "body",
    "directions",
    "direction",
    "actions",
    "resolution",
    "response",
    "summary",
    "note",
    "detail",
    "comment",
    "matter",
    "provision",
    "urgency_reason",
];

/// The JSON Schema (2020-12) of [`Command`], as schemars generates it (and the API publishes).
pub static COMMAND_SCHEMA: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(schemars::schema_for!(Command)).unwrap_or(Value::Null));

/// Every command kind as a form, in the order of [`Command`].
pub static FORMS: LazyLock<Vec<Form>> = LazyLock::new(|| {
    let defs = COMMAND_SCHEMA.get("$defs").cloned().unwrap_or(Value::Null);
    COMMAND_SCHEMA
        .get("oneOf")
        .and_then(Value::as_array)
        .map(|variants| variants.iter().filter_map(|v| form_of(v, &defs)).collect())
        .unwrap_or_default()
});

/// The form of `kind`, if it is a command kind.
pub fn form(kind: &str) -> Option<&'static Form> {
    FORMS.iter().find(|f| f.kind == kind)
}

fn form_of(variant: &Value, defs: &Value) -> Option<Form> {
    let kind = variant
        .pointer("/properties/kind/const")?
        .as_str()?
        .to_owned();
    Some(Form {
        kind,
        doc: text(variant.get("description")),
        fields: fields_of(variant, defs, &["kind"]),
    })
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned)
}

fn fields_of(object: &Value, defs: &Value, skip: &[&str]) -> Vec<Field> {
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = object.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    // Declaration order is lost in the schema's object; its `required` list keeps it, so the
    // required members come first in that order, then the optional ones.
    let mut names: Vec<(&String, &Value)> = props.iter().collect();
    names.sort_by_key(|(name, _)| {
        required
            .iter()
            .position(|r| r == name)
            .unwrap_or(usize::MAX)
    });
    names
        .into_iter()
        .filter(|(name, _)| !skip.contains(&name.as_str()))
        .map(|(name, node)| {
            let (input, nullable) = input_of(name, node, defs);
            Field {
                name: name.clone(),
                input,
                // A member with a default (`replace_current`) may be left out too.
                required: required.contains(&name.as_str())
                    && !nullable
                    && node.get("default").is_none(),
                doc: text(node.get("description")),
            }
        })
        .collect()
}

/// `#/$defs/Name` → the definition.
fn resolve<'a>(node: &'a Value, defs: &'a Value) -> &'a Value {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| defs.get(name))
        .unwrap_or(node)
}

fn x_ref(node: &Value) -> Option<RefKind> {
    node.get("x-ref")
        .and_then(Value::as_str)
        .and_then(RefKind::parse)
}

/// The input of a member, and whether it may be null.
fn input_of(name: &str, node: &Value, defs: &Value) -> (Input, bool) {
    let mut nullable = false;
    let mut node = node;
    // `Option<T>` of a named type: `anyOf: [{$ref}, {type: null}]`.
    if let Some(alts) = node.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = alts
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        nullable = non_null.len() < alts.len();
        if let [one] = non_null.as_slice() {
            node = one;
        }
    }
    let reference = x_ref(node);
    let def = resolve(node, defs);
    let ty = match def.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => {
            nullable |= ts.iter().any(|t| t == "null");
            ts.iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("")
        }
        _ => "",
    };
    if let Some(choices) = choices_of(def) {
        return (Input::Choice(choices), nullable);
    }
    if let Some(variants) = def.get("oneOf").and_then(Value::as_array) {
        let tagged: Vec<(String, Vec<Field>)> = variants
            .iter()
            .filter_map(|v| {
                let tag = v.pointer("/properties/kind/const")?.as_str()?.to_owned();
                Some((tag, fields_of(v, defs, &["kind"])))
            })
            .collect();
        if !tagged.is_empty() {
            return (Input::Tagged(tagged), nullable);
        }
    }
    let input = match ty {
        "boolean" => Input::Bool,
        "integer" => Input::Integer,
        "array" => {
            let items = resolve(def.get("items").unwrap_or(&Value::Null), defs);
            match (reference, items.get("type").and_then(Value::as_str)) {
                (Some(r), _) => Input::Refs(r),
                (None, Some("object")) => Input::Rows(fields_of(items, defs, &[])),
                _ => Input::Lines,
            }
        }
        _ => match (reference, def.get("format").and_then(Value::as_str)) {
            (Some(r), _) => Input::Ref(r),
            (None, Some("date")) => Input::Date,
            (None, Some("date-time")) => Input::DateTime,
            (None, Some("uuid")) => Input::Uuid,
            _ if LONG_TEXTS.contains(&name) => Input::LongText,
            _ => Input::Text,
        },
    };
    (input, nullable)
}

/// The values of an enum of strings (`enum: […]`, or `oneOf` of `const`s).
fn choices_of(def: &Value) -> Option<Vec<String>> {
    if let Some(values) = def.get("enum").and_then(Value::as_array) {
        return Some(
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        );
    }
    let variants = def.get("oneOf")?.as_array()?;
    let consts: Vec<String> = variants
        .iter()
        .filter_map(|v| v.get("const").and_then(Value::as_str).map(str::to_owned))
        .collect();
    (consts.len() == variants.len() && !consts.is_empty()).then_some(consts)
}

/// A member the form could not turn into JSON, by its form name (`until`, `entries.2.contact`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    /// What is wrong, in Japanese and English.
    pub ja: String,
    pub en: String,
}

/// The submitted values of one name (all of them, for a repeated name).
fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    values(pairs, name)
        .into_iter()
        .map(str::trim)
        .find(|v| !v.is_empty())
}

/// The command's JSON object (without `kind`) from a submitted form. A member left empty is
/// left out, unless it is required (then [`FieldError`]); the rules check the rest.
pub fn to_json(form: &Form, pairs: &[(String, String)]) -> Result<Map<String, Value>, FieldError> {
    object(&form.fields, "", pairs)
}

fn object(
    fields: &[Field],
    prefix: &str,
    pairs: &[(String, String)],
) -> Result<Map<String, Value>, FieldError> {
    let mut out = Map::new();
    for f in fields {
        let name = format!("{prefix}{}", f.name);
        if let Some(v) = value(f, &name, pairs)? {
            out.insert(f.name.clone(), v);
        } else if f.required {
            return Err(FieldError {
                field: name,
                ja: "入力が必要です".into(),
                en: "is required".into(),
            });
        }
    }
    Ok(out)
}

fn value(f: &Field, name: &str, pairs: &[(String, String)]) -> Result<Option<Value>, FieldError> {
    let bad = |ja: &str, en: &str| FieldError {
        field: name.to_owned(),
        ja: ja.to_owned(),
        en: en.to_owned(),
    };
    Ok(match &f.input {
        Input::Date => match first(pairs, name) {
            None => None,
            Some(v) => {
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                    bad(
                        "日付（YYYY-MM-DD）で入力してください",
                        "must be a date (YYYY-MM-DD)",
                    )
                })?;
                Some(Value::from(v))
            }
        },
        Input::Text | Input::Uuid | Input::Choice(_) | Input::Ref(_) | Input::Integer => {
            match first(pairs, name) {
                None => None,
                Some(v) if f.input == Input::Integer => {
                    Some(Value::from(v.parse::<u64>().map_err(|_| {
                        bad("0以上の整数を入力してください", "must be a whole number")
                    })?))
                }
                Some(v) => Some(Value::from(v)),
            }
        }
        // Kept as typed, line breaks included; blank is empty.
        Input::LongText => values(pairs, name)
            .into_iter()
            .find(|v| !v.trim().is_empty())
            .map(|v| Value::from(v.replace("\r\n", "\n").trim().to_owned())),
        Input::Bool => Some(Value::Bool(
            values(pairs, name)
                .iter()
                .any(|v| matches!(*v, "true" | "on" | "1")),
        )),
        Input::DateTime => match first(pairs, name) {
            None => None,
            Some(v) => Some(Value::from(jst_moment(v).ok_or_else(|| {
                bad(
                    "日付と時刻（YYYY-MM-DDTHH:MM、日本時間）で入力してください",
                    "must be a date and time (YYYY-MM-DDTHH:MM, JST)",
                )
            })?)),
        },
        Input::Refs(_) => {
            let list: Vec<Value> = values(pairs, name)
                .into_iter()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(Value::from)
                .collect();
            Some(Value::Array(list))
        }
        Input::Lines => {
            let list: Vec<Value> = values(pairs, name)
                .into_iter()
                .flat_map(str::lines)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(Value::from)
                .collect();
            Some(Value::Array(list))
        }
        Input::Tagged(variants) => {
            let Some(tag) = first(pairs, &format!("{name}.kind")) else {
                return Ok(None);
            };
            let Some((_, fields)) = variants.iter().find(|(t, _)| t == tag) else {
                return Err(bad(
                    "選択肢にない種類です",
                    "is not one of the kinds offered",
                ));
            };
            let mut o = object(fields, &format!("{name}."), pairs)?;
            o.insert("kind".into(), Value::from(tag));
            Some(Value::Object(o))
        }
        Input::Rows(fields) => {
            let mut rows = Vec::new();
            for i in 0..ROWS {
                let prefix = format!("{name}.{i}.");
                let filled = pairs
                    .iter()
                    .any(|(k, v)| k.starts_with(&prefix) && !v.trim().is_empty() && v != "on");
                if filled {
                    rows.push(Value::Object(object(fields, &prefix, pairs)?));
                }
            }
            Some(Value::Array(rows))
        }
    })
}

/// `YYYY-MM-DDTHH:MM[:SS]` as typed in a `datetime-local` input, read as JST, in RFC 3339.
fn jst_moment(v: &str) -> Option<String> {
    let t = chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M"))
        .ok()?;
    Some(format!("{}+09:00", t.format("%Y-%m-%dT%H:%M:%S")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_command_kind_has_a_form_with_its_members() {
        assert!(FORMS.len() >= 45, "{} forms", FORMS.len());
        let grant = form("grant_permission").expect("grant_permission");
        let names: Vec<&str> = grant.fields.iter().map(|f| f.name.as_str()).collect();
        for m in ["person_id", "asset_id", "scope", "until", "request_id"] {
            assert!(names.contains(&m), "{names:?}");
        }
        let input = |form: &Form, name: &str| {
            form.fields
                .iter()
                .find(|f| f.name == name)
                .map(|f| (f.input.clone(), f.required))
        };
        assert_eq!(
            input(grant, "person_id"),
            Some((Input::Ref(RefKind::Person), true))
        );
        assert_eq!(
            input(grant, "request_id"),
            Some((Input::Ref(RefKind::PermissionRequest), false))
        );
        assert_eq!(input(grant, "until"), Some((Input::DateTime, false)));
        let propose = form("propose_modification").expect("propose_modification");
        assert_eq!(
            input(propose, "asset_ids"),
            Some((Input::Refs(RefKind::Asset), true))
        );
        assert_eq!(
            input(propose, "touches_common_parts"),
            Some((Input::Bool, true))
        );
        // A new id is typed, not chosen.
        let unit = form("establish_unit").expect("establish_unit");
        assert_eq!(input(unit, "unit_id"), Some((Input::Text, true)));
        let convene = form("convene_meeting").expect("convene_meeting");
        assert!(
            matches!(input(convene, "meeting_kind"), Some((Input::Choice(c), true)) if c.len() >= 2)
        );
        assert_eq!(input(convene, "held_on"), Some((Input::Date, true)));
        let issue = form("issue_security_request").expect("issue_security_request");
        let Some((Input::Tagged(variants), true)) = input(issue, "addressee") else {
            panic!("addressee: {:?}", input(issue, "addressee"));
        };
        assert_eq!(variants[0].0, "officer");
        assert_eq!(variants[0].1[0].input, Input::Ref(RefKind::OfficerPost));
        let roster = form("record_roster").expect("record_roster");
        let Some((Input::Rows(cols), true)) = input(roster, "entries") else {
            panic!("entries");
        };
        assert_eq!(cols[0].input, Input::Ref(RefKind::Person));
    }

    #[test]
    fn a_submitted_form_becomes_the_commands_json() {
        let grant = form("grant_permission").expect("grant_permission");
        let json = to_json(
            grant,
            &pairs(&[
                ("person_id", "P0001"),
                ("asset_id", "HW-01"),
                ("scope", "閲覧"),
                ("until", "2027-03-31T17:00"),
                ("request_id", ""),
            ]),
        )
        .expect("valid");
        assert_eq!(
            Value::Object(json),
            serde_json::json!({"person_id": "P0001", "asset_id": "HW-01", "scope": "閲覧",
                "until": "2027-03-31T17:00:00+09:00"})
        );
        let missing = to_json(grant, &pairs(&[("asset_id", "HW-01"), ("scope", "x")]));
        assert_eq!(missing.map_err(|e| e.field), Err("person_id".to_owned()));

        let issue = form("issue_security_request").expect("issue");
        let json = to_json(
            issue,
            &pairs(&[
                ("addressee.kind", "usage_officer"),
                ("addressee.post_id", ""),
                ("addressee.unit_id", "U-01"),
                ("finding", "a\r\nb"),
                ("standard", "基準"),
                ("due", "2027-01-31"),
            ]),
        )
        .expect("valid");
        assert_eq!(
            json.get("addressee"),
            Some(&serde_json::json!({"kind": "usage_officer", "unit_id": "U-01"}))
        );
        assert_eq!(json.get("finding"), Some(&Value::from("a\nb")));

        let propose = form("propose_modification").expect("propose");
        let json = to_json(
            propose,
            &pairs(&[
                ("title", "t"),
                ("description", "d"),
                ("asset_ids", "A"),
                ("asset_ids", "B"),
                ("touches_common_parts", "true"),
            ]),
        )
        .expect("valid");
        assert_eq!(json.get("asset_ids"), Some(&serde_json::json!(["A", "B"])));
        assert_eq!(json.get("touches_common_parts"), Some(&Value::Bool(true)));

        let roster = form("record_roster").expect("roster");
        let json = to_json(
            roster,
            &pairs(&[
                ("entries.0.person_id", "P1"),
                ("entries.0.contact", "内線1"),
                ("entries.0.can_inform", "true"),
                ("entries.1.person_id", ""),
                ("entries.1.contact", ""),
            ]),
        )
        .expect("valid");
        assert_eq!(
            json.get("entries"),
            Some(&serde_json::json!([{"person_id": "P1", "contact": "内線1",
                "can_inform": true, "can_decide": false}]))
        );
    }
}
