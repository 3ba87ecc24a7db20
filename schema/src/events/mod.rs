//! Every event payload, one struct per event type, and the registry mapping the event type
//! string to its payload.
//!
//! Event types are versioned by suffix (`<noun>.<verb_past>.v1`). A new shape of a payload is a
//! new type (`.v2`), never an edit of an old one: the log keeps both forever. The old shape's
//! struct is frozen under a `V1` name and listed as superseded in the registry with its upcast
//! (a `From` into [`Payload`]), so every reader gets the newest shape: `parse_payload` of a v1
//! body is the v2 payload the v1 one means. New decisions record the newest type only. Payloads carry no
//! floating-point numbers: dates are `YYYY-MM-DD`, timestamps RFC 3339 with offset, counts
//! integers. Every struct denies unknown fields, so a typo is an error rather than lost data.
//!
//! Identifiers (ASCII, so they fit in stream names `asset/A01`, `person/P0001`, ...):
//! - units `HW`, `HW-GA-SYS`, ... and posts `SUP-HW`, `ADMIN`, `O01`..`O18`, ... (chosen at
//!   genesis, see `govledger::rules::genesis`; later ones by the administrator),
//! - persons `P0001`, ..., assets `A01`..`A30` in the order of the annex (別表) rows,
//! - process records numbered by the rules in order: modifications `MOD-0001`, retirements
//!   `RET-0001`, permission requests `PR-00001`, security requests `SR-0001`, meetings
//!   `MTG-0001`, incidents `INC-0001`, directives `DIR-0001`, officer directions `OD-0001`,
//!   users' directions `UD-0001`.

mod access;
mod change;
mod operations;
mod organisation;
mod regulation;
mod tokens;

pub use access::*;
pub use change::*;
pub use operations::*;
pub use organisation::*;
pub use regulation::*;
pub use tokens::*;

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// A payload type and the event type it is recorded under.
pub trait EventPayload: Serialize + DeserializeOwned + schemars::JsonSchema {
    /// The versioned event type, e.g. `permission.granted.v1`.
    const EVENT_TYPE: &'static str;

    /// The payload as the event's `data` object.
    fn to_data(&self) -> Result<Value, PayloadError> {
        serde_json::to_value(self).map_err(|e| PayloadError::Encode {
            event_type: Self::EVENT_TYPE,
            message: e.to_string(),
        })
    }
}

/// Why an event's data is not a payload we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    #[error("{event_type}: {message}")]
    Invalid {
        event_type: &'static str,
        message: String,
    },
    #[error("{event_type}: cannot encode: {message}")]
    Encode {
        event_type: &'static str,
        message: String,
    },
}

macro_rules! registry {
    (
        $( $variant:ident($ty:ty) = $name:literal ),* $(,)?
        ;
        superseded { $( $old:ty = $old_name:literal => $new_name:literal ),* $(,)? }
    ) => {
        $( impl EventPayload for $ty { const EVENT_TYPE: &'static str = $name; } )*
        $( impl EventPayload for $old { const EVENT_TYPE: &'static str = $old_name; } )*

        /// A parsed payload of any known event type.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Payload { $( $variant($ty), )* }

        /// Every event type a ledger may hold, in registry order: the current ones, then the
        /// superseded ones (still read, upcast; never recorded any more).
        pub const EVENT_TYPES: &[&str] = &[ $( $name, )* $( $old_name, )* ];

        /// The event types new decisions record.
        pub const CURRENT_EVENT_TYPES: &[&str] = &[ $( $name, )* ];

        /// Superseded event types and the type each is upcast to when read.
        pub const SUPERSEDED_EVENT_TYPES: &[(&str, &str)] = &[ $( ($old_name, $new_name), )* ];

        impl Payload {
            /// The event type this payload is recorded under.
            pub fn event_type(&self) -> &'static str {
                match self { $( Payload::$variant(_) => $name, )* }
            }

            /// The payload as the event's `data` object.
            pub fn to_data(&self) -> Result<Value, PayloadError> {
                match self { $( Payload::$variant(p) => p.to_data(), )* }
            }
        }

        $( impl From<$ty> for Payload { fn from(p: $ty) -> Payload { Payload::$variant(p) } } )*

        /// Parses `data` as the payload of `event_type`, upcast to the current shape if the type
        /// is superseded.
        pub fn parse_payload(event_type: &str, data: &Value) -> Result<Payload, PayloadError> {
            match event_type {
                $( $name => <$ty as serde::Deserialize>::deserialize(data)
                    .map(Payload::$variant)
                    .map_err(|e| PayloadError::Invalid { event_type: $name, message: e.to_string() }), )*
                $( $old_name => <$old as serde::Deserialize>::deserialize(data)
                    .map(Payload::from)
                    .map_err(|e| PayloadError::Invalid { event_type: $old_name, message: e.to_string() }), )*
                other => Err(PayloadError::UnknownType(other.to_owned())),
            }
        }

        /// Parses `data`, given as JSON text, as the payload of `event_type`: the same
        /// result as [`parse_payload`] of its parsed value, without building the value.
        pub fn parse_payload_str(event_type: &str, data: &str) -> Result<Payload, PayloadError> {
            match event_type {
                $( $name => serde_json::from_str::<$ty>(data)
                    .map(Payload::$variant)
                    .map_err(|e| PayloadError::Invalid { event_type: $name, message: e.to_string() }), )*
                $( $old_name => serde_json::from_str::<$old>(data)
                    .map(Payload::from)
                    .map_err(|e| PayloadError::Invalid { event_type: $old_name, message: e.to_string() }), )*
                other => Err(PayloadError::UnknownType(other.to_owned())),
            }
        }

        /// The JSON Schema (draft 2020-12) of the payload of `event_type`.
        pub fn json_schema(event_type: &str) -> Option<schemars::Schema> {
            match event_type {
                $( $name => Some(titled(schemars::schema_for!($ty), $name)), )*
                $( $old_name => Some(titled(schemars::schema_for!($old), $old_name)), )*
                _ => None,
            }
        }
    };
}

fn titled(mut schema: schemars::Schema, event_type: &str) -> schemars::Schema {
    schema.insert(
        "$id".into(),
        Value::String(format!(
            "https://govledger.example/schema/{event_type}.json"
        )),
    );
    schema.insert("x-event-type".into(), Value::String(event_type.to_owned()));
    schema
}

registry! {
    // Regulation and its history (附則), the ledger's own corrections.
    RegulationEstablished(RegulationEstablished) = "regulation.established.v1",
    RegulationAmended(RegulationAmended) = "regulation.amended.v1",
    RoleBound(RoleBound) = "regulation.role_bound.v1",
    OperationStaffSectionsSet(OperationStaffSectionsSet) = "regulation.operation_staff_sections_set.v1",
    CorrectionRecorded(CorrectionRecorded) = "correction.recorded.v1",
    // Organisation (personnel orders; 第3条, 第4条, 第5条, 第8条).
    UnitEstablished(UnitEstablished) = "unit.established.v1",
    PostEstablished(PostEstablished) = "post.established.v1",
    PersonRegistered(PersonRegistered) = "person.registered.v1",
    PersonTransferred(PersonTransferred) = "person.transferred.v1",
    HolderAppointed(HolderAppointed) = "post.holder_appointed.v1",
    HolderEnded(HolderEnded) = "post.holder_ended.v1",
    StaffDesignated(StaffDesignated) = "staff.designated.v1",
    StaffDesignationRevoked(StaffDesignationRevoked) = "staff.designation_revoked.v1",
    UsageOfficerAppointed(UsageOfficerAppointed) = "usage_officer.appointed.v1",
    UsageOfficerEnded(UsageOfficerEnded) = "usage_officer.ended.v1",
    UserRegistered(UserRegistered) = "user.registered.v1",
    UserDeregistered(UserDeregistered) = "user.deregistered.v1",
    // The annex (別表).
    AssetRegistered(AssetRegistered) = "asset.registered.v1",
    AssetAnnexAmended(AssetAnnexAmended) = "asset.annex_amended.v1",
    // Permissions (第5条第2項).
    PermissionRequested(PermissionRequested) = "permission.requested.v1",
    PermissionGranted(PermissionGranted) = "permission.granted.v1",
    PermissionRefused(PermissionRefused) = "permission.refused.v1",
    PermissionRevoked(PermissionRevoked) = "permission.revoked.v1",
    // System modification (第6条).
    ModificationProposed(ModificationProposed) = "modification.proposed.v1",
    ModificationApproved(ModificationApproved) = "modification.approved.v1",
    ModificationRejected(ModificationRejected) = "modification.rejected.v1",
    ModificationConsented(ModificationConsented) = "modification.consented.v1",
    ModificationConsentRefused(ModificationConsentRefused) = "modification.consent_refused.v1",
    ModificationContentDecided(ModificationContentDecided) = "modification.content_decided.v1",
    ModificationCoordinated(ModificationCoordinated) = "modification.coordinated.v1",
    ModificationFinallyDecided(ModificationFinallyDecided) = "modification.finally_decided.v1",
    ModificationWithdrawn(ModificationWithdrawn) = "modification.withdrawn.v1",
    // Retirement (第7条).
    RetirementNoticed(RetirementNoticed) = "retirement.noticed.v1",
    RetirementApproved(RetirementApproved) = "retirement.approved.v1",
    RetirementConsented(RetirementConsented) = "retirement.consented.v1",
    RetirementConsentRefused(RetirementConsentRefused) = "retirement.consent_refused.v1",
    RetirementDecided(RetirementDecided) = "retirement.decided.v1",
    RetirementMeasuresRecorded(RetirementMeasuresRecorded) = "retirement.measures_recorded.v1",
    // Emergency rosters and incidents (第3条第2項第4号, 第9条, 第11条).
    RosterRecorded(RosterRecorded) = "roster.recorded.v1",
    IncidentReported(IncidentReported) = "incident.reported.v1",
    IncidentDirected(IncidentDirected) = "incident.directed.v1",
    IncidentCoordinated(IncidentCoordinated) = "incident.coordinated.v1",
    IncidentResolved(IncidentResolved) = "incident.resolved.v1",
    // Security improvement requests (第10条第2項).
    SecurityRequestIssued(SecurityRequestIssued) = "security_request.issued.v1",
    SecurityRequestResponded(SecurityRequestResponded) = "security_request.responded.v1",
    SecurityRequestClosed(SecurityRequestClosed) = "security_request.closed.v1",
    SecurityRequestReopened(SecurityRequestReopened) = "security_request.reopened.v1",
    // Meetings (第12条) and directives (第13条).
    MeetingConvened(MeetingConvened) = "meeting.convened.v1",
    MeetingMinutesRecorded(MeetingMinutesRecorded) = "meeting.minutes_recorded.v1",
    MeetingSigned(MeetingSigned) = "meeting.signed.v1",
    MeetingResolved(MeetingResolved) = "meeting.resolved.v1",
    DirectiveIssued(DirectiveIssued) = "directive.issued.v1",
    // The supervisor's direction of officers (第3条第3項, 第5条第3項).
    OfficerDirected(OfficerDirected) = "officer.directed.v1",
    // A usage officer's direction of the users of the division (第8条第3項).
    UsersDirected(UsersDirected) = "users.directed.v1",
    // Operation records: monitoring, backup, maintenance, batch runs (第11条).
    OperationRecorded(OperationRecorded) = "operation.recorded.v2",
    // Bearer tokens of the HTTP API (the ledger's own access, not the regulation's).
    TokenIssued(TokenIssued) = "token.issued.v1",
    TokenRevoked(TokenRevoked) = "token.revoked.v1",
    ;
    // Superseded shapes, still in the log and read through their upcast (`From<Old> for
    // Payload`): never edit one, never record one.
    superseded {
        // v2 adds `ticket`, the work order an operation was carried out under.
        OperationRecordedV1 = "operation.recorded.v1" => "operation.recorded.v2",
    }
}

/// The upcast of `operation.recorded.v1`: its payload as the v2 one it means.
impl From<OperationRecordedV1> for Payload {
    fn from(v1: OperationRecordedV1) -> Payload {
        Payload::OperationRecorded(v1.into())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic
mod tests {
    use super::*;

    #[test]
    fn every_event_type_is_well_formed_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for t in EVENT_TYPES {
            assert!(crate::envelope::check_event_type(t).is_ok(), "{t}");
            assert!(version(t).is_some(), "{t}");
            assert!(seen.insert(*t), "duplicate {t}");
            assert!(json_schema(t).is_some());
        }
        assert_eq!(
            CURRENT_EVENT_TYPES.len() + SUPERSEDED_EVENT_TYPES.len(),
            EVENT_TYPES.len()
        );
    }

    /// `noun.verb.vN` → (`noun.verb`, N).
    fn version(t: &str) -> Option<(&str, u32)> {
        let (name, v) = t.rsplit_once(".v")?;
        Some((name, v.parse().ok().filter(|v| *v >= 1)?))
    }

    #[test]
    fn a_superseded_type_upcasts_to_the_current_next_version_of_itself() {
        for (old, new) in SUPERSEDED_EVENT_TYPES {
            let (old_name, old_v) = version(old).unwrap();
            let (new_name, new_v) = version(new).unwrap();
            assert_eq!(old_name, new_name, "{old} -> {new}");
            assert!(new_v > old_v, "{old} -> {new}");
            assert!(CURRENT_EVENT_TYPES.contains(new), "{new} is recorded");
            assert!(!CURRENT_EVENT_TYPES.contains(old), "{old} is not recorded");
        }
        // Each current type is the only current version of its name.
        let mut names = std::collections::BTreeSet::new();
        for t in CURRENT_EVENT_TYPES {
            assert!(
                names.insert(version(t).unwrap().0),
                "two current versions of {t}"
            );
        }
    }

    #[test]
    fn operation_recorded_v1_is_read_as_the_v2_it_means() {
        let v1 = serde_json::json!({"operation": "backup", "target": "DBサーバ", "result": "succeeded",
            "detail": null, "recorded_as": "operations_support"});
        let from_value = parse_payload("operation.recorded.v1", &v1).unwrap();
        let from_text = parse_payload_str("operation.recorded.v1", &v1.to_string()).unwrap();
        assert_eq!(from_value, from_text);
        assert_eq!(from_value.event_type(), "operation.recorded.v2");
        let Payload::OperationRecorded(p) = &from_value else {
            panic!("{from_value:?}")
        };
        assert_eq!(p.ticket, None);
        // The v2 equivalent: the same members and `ticket: null`.
        let mut v2 = v1.clone();
        v2["ticket"] = Value::Null;
        assert_eq!(
            parse_payload("operation.recorded.v2", &v2).unwrap(),
            from_value
        );
        assert_eq!(from_value.to_data().unwrap(), v2);
        // v1 is the frozen v1 shape: a v1 body naming a ticket is not a v1 body.
        let mut bad = v1.clone();
        bad["ticket"] = Value::String("MOD-0001".into());
        assert!(matches!(
            parse_payload("operation.recorded.v1", &bad),
            Err(PayloadError::Invalid {
                event_type: "operation.recorded.v1",
                ..
            })
        ));
    }

    #[test]
    fn parse_rejects_unknown_fields_and_types() {
        let ok = serde_json::json!({"unit_id": "U1", "name": "課", "parent_id": null, "bureau": "健康福祉局", "user_division": true});
        let p = parse_payload("unit.established.v1", &ok).unwrap();
        assert_eq!(p.event_type(), "unit.established.v1");
        assert_eq!(p.to_data().unwrap(), ok);
        let mut bad = ok.clone();
        bad["extra"] = Value::Bool(true);
        assert!(matches!(
            parse_payload("unit.established.v1", &bad),
            Err(PayloadError::Invalid { .. })
        ));
        assert!(matches!(
            parse_payload("unit.exploded.v1", &ok),
            Err(PayloadError::UnknownType(_))
        ));
    }
}
