//! The one table from a [`Command`] to its rule, each rule in the module of its procedure.

use super::*;

/// One rule per command, each in the module of its procedure. Exhaustive on purpose: a new
/// [`Command`] does not compile until it has its rule. (A flat table, longer than the other
/// functions of the rules; `tests/function_length.rs` allows it by name.)
pub(super) fn route(cx: &Cx<'_>, cmd: &Command) -> Result<Vec<Proposed>, Refusal> {
    match cmd {
        Command::EstablishUnit {
            unit_id,
            name,
            parent_id,
            bureau,
            user_division,
        } => organisation::establish_unit(cx, unit_id, name, parent_id, bureau, user_division),
        Command::EstablishPost {
            post_id,
            title,
            unit_id,
            heads_unit,
        } => organisation::establish_post(cx, post_id, title, unit_id, heads_unit),
        Command::RegisterPerson {
            person_id,
            name,
            unit_id,
            personnel_order,
        } => organisation::register_person(cx, person_id, name, unit_id, personnel_order),
        Command::TransferPerson {
            person_id,
            unit_id,
            personnel_order,
        } => organisation::transfer_person(cx, person_id, unit_id, personnel_order),
        Command::AppointToPost {
            post_id,
            person_id,
            personnel_order,
            replace_current,
        } => {
            organisation::appoint_to_post(cx, post_id, person_id, personnel_order, replace_current)
        }
        Command::EndAppointment {
            post_id,
            personnel_order,
        } => organisation::end_appointment(cx, post_id, personnel_order),
        Command::DesignateOperationStaff { person_id } => {
            organisation::designate_operation_staff(cx, person_id)
        }
        Command::DesignateInformationManagementStaff {
            person_id,
            officer_post_id,
        } => organisation::designate_information_management_staff(cx, person_id, officer_post_id),
        Command::RevokeDesignation {
            person_id,
            role,
            reason,
        } => organisation::revoke_designation(cx, person_id, role, reason),
        Command::AppointUsageOfficer {
            unit_id,
            person_id,
            reason_not_head,
            replace_current,
        } => organisation::appoint_usage_officer(
            cx,
            unit_id,
            person_id,
            reason_not_head,
            replace_current,
        ),
        Command::EndUsageOfficer { unit_id } => organisation::end_usage_officer(cx, unit_id),
        Command::RegisterUser { person_id } => organisation::register_user(cx, person_id),
        Command::DeregisterUser { person_id, reason } => {
            organisation::deregister_user(cx, person_id, reason)
        }
        Command::AmendRegulation {
            in_force_from,
            provision,
            note,
        } => regulation::amend_regulation(cx, in_force_from, provision, note),
        Command::AmendAnnex {
            asset_id,
            name,
            businesses,
            officer_post_ids,
            bureau,
        } => regulation::amend_annex(cx, asset_id, name, businesses, officer_post_ids, bureau),
        Command::Correct {
            corrects_seq,
            corrects_event_id,
            reason,
        } => regulation::correct(cx, corrects_seq, corrects_event_id, reason),
        Command::RequestPermission {
            person_id,
            asset_id,
            scope,
            until,
        } => access::request_permission(cx, person_id, asset_id, scope, until),
        Command::GrantPermission {
            person_id,
            asset_id,
            scope,
            until,
            request_id,
        } => access::grant_permission(cx, person_id, asset_id, scope, until, request_id),
        Command::RefusePermission {
            person_id,
            asset_id,
            reason,
            request_id,
        } => access::refuse_permission(cx, person_id, asset_id, reason, request_id),
        Command::RevokePermission {
            person_id,
            asset_id,
            reason,
        } => access::revoke_permission(cx, person_id, asset_id, reason),
        Command::ProposeModification {
            title,
            description,
            asset_ids,
            touches_common_parts,
            proposer_post_id,
        } => modification::propose_modification(
            cx,
            title,
            description,
            asset_ids,
            touches_common_parts,
            proposer_post_id,
        ),
        Command::ApproveModification {
            modification_id,
            comment,
        } => modification::approve_modification(cx, modification_id, comment),
        Command::RejectModification {
            modification_id,
            reason,
        } => modification::reject_modification(cx, modification_id, reason),
        Command::ConsentToModification { modification_id } => {
            modification::consent_to_modification(cx, modification_id)
        }
        Command::RefuseModificationConsent {
            modification_id,
            reason,
        } => modification::refuse_modification_consent(cx, modification_id, reason),
        Command::DecideModificationContent {
            modification_id,
            content,
        } => modification::decide_modification_content(cx, modification_id, content),
        Command::CoordinateModification {
            modification_id,
            officer_post_ids,
            content,
        } => modification::coordinate_modification(cx, modification_id, officer_post_ids, content),
        Command::DecideModification {
            modification_id,
            procedure_documents,
            summary,
        } => modification::decide_modification(cx, modification_id, procedure_documents, summary),
        Command::WithdrawModification {
            modification_id,
            reason,
        } => modification::withdraw_modification(cx, modification_id, reason),
        Command::NoticeRetirement {
            asset_ids,
            affected_asset_ids,
            reason,
            planned_stop,
        } => retirement::notice_retirement(cx, asset_ids, affected_asset_ids, reason, planned_stop),
        Command::ApproveRetirement {
            retirement_id,
            comment,
        } => retirement::approve_retirement(cx, retirement_id, comment),
        Command::ConsentToRetirement { retirement_id } => {
            retirement::consent_to_retirement(cx, retirement_id)
        }
        Command::RefuseRetirementConsent {
            retirement_id,
            reason,
        } => retirement::refuse_retirement_consent(cx, retirement_id, reason),
        Command::DecideRetirement {
            retirement_id,
            asset_ids,
        } => retirement::decide_retirement(cx, retirement_id, asset_ids),
        Command::RecordRetirementMeasures {
            retirement_id,
            measures,
        } => retirement::record_retirement_measures(cx, retirement_id, measures),
        Command::RecordRoster {
            officer_post_id,
            entries,
        } => incident::record_roster(cx, officer_post_id, entries),
        Command::ReportIncident {
            summary,
            asset_ids,
            occurred_at,
        } => incident::report_incident(cx, summary, asset_ids, occurred_at),
        Command::DirectIncident {
            incident_id,
            directions,
        } => incident::direct_incident(cx, incident_id, directions),
        Command::CoordinateIncident {
            incident_id,
            actions,
        } => incident::coordinate_incident(cx, incident_id, actions),
        Command::ResolveIncident {
            incident_id,
            resolution,
        } => incident::resolve_incident(cx, incident_id, resolution),
        Command::IssueSecurityRequest {
            addressee,
            finding,
            standard,
            due,
        } => security_request::issue_security_request(cx, addressee, finding, standard, due),
        Command::RespondToSecurityRequest {
            request_id,
            response,
        } => security_request::respond_to_security_request(cx, request_id, response),
        Command::CloseSecurityRequest { request_id, note } => {
            security_request::close_security_request(cx, request_id, note)
        }
        Command::ReopenSecurityRequest {
            request_id,
            reason,
            due,
        } => security_request::reopen_security_request(cx, request_id, reason, due),
        Command::ConveneMeeting {
            meeting_kind,
            form,
            urgency_reason,
            members,
            agenda,
            held_on,
        } => meeting::convene_meeting(
            cx,
            meeting_kind,
            form,
            urgency_reason,
            members,
            agenda,
            held_on,
        ),
        Command::RecordMinutes {
            meeting_id,
            attendees,
            agenda,
            resolutions,
        } => meeting::record_minutes(cx, meeting_id, attendees, agenda, resolutions),
        Command::SignCirculation {
            meeting_id,
            position,
            comment,
        } => meeting::sign_circulation(cx, meeting_id, position, comment),
        Command::ResolveMeeting {
            meeting_id,
            resolution,
        } => meeting::resolve_meeting(cx, meeting_id, resolution),
        Command::IssueDirective {
            title,
            body,
            bureau,
        } => direction::issue_directive(cx, title, body, bureau),
        Command::DirectOfficer {
            addressee,
            matter,
            direction,
        } => direction::direct_officer(cx, addressee, matter, direction),
        Command::DirectUsers {
            unit_id,
            users,
            matter,
            direction,
        } => direction::direct_users(cx, unit_id, users, matter, direction),
        Command::RecordOperation {
            operation,
            target,
            result,
            detail,
            ticket,
        } => operations::record_operation(
            cx,
            *operation,
            target,
            *result,
            detail.as_deref(),
            ticket.as_deref(),
        ),
    }
}
