//! Security improvement requests (第10条第2項): open, responded, closed, overdue.

use chrono::NaiveDate;
use govledger_schema::events::Addressee;
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecurityRequestView {
    pub id: String,
    pub supervisor_post_id: String,
    pub issued_by: String,
    pub acting_for: Option<String>,
    pub addressee: Addressee,
    pub finding: String,
    pub standard: String,
    pub due: NaiveDate,
    pub status: SecurityRequestStatus,
    pub overdue: bool,
    pub last_response: Option<String>,
    pub seqs: Vec<u64>,
}

/// Where a security improvement request stands (第10条第2項). The rules match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecurityRequestStatus {
    /// Issued or reopened, with no response since (overdue past its due date).
    Open,
    /// Answered by the addressee, not yet closed.
    Responded,
    /// Closed by the supervisor; a reopening makes it open again.
    Closed,
}

impl SecurityRequestStatus {
    /// The name JSON gives it (`open`, `responded`, `closed`).
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityRequestStatus::Open => "open",
            SecurityRequestStatus::Responded => "responded",
            SecurityRequestStatus::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecurityRequestsView {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub requests: Vec<SecurityRequestView>,
}

impl<'a> Lens<'a> {
    /// The status of one security request as of `as_of`.
    pub fn security_request_view(&self, r: &SecurityRequest) -> SecurityRequestView {
        let mut steps: Vec<&RequestStep> =
            r.steps.iter().filter(|s| self.happened(&s.stamp)).collect();
        steps.sort_by_key(|s| (s.stamp.at, s.stamp.seq));
        let mut status = SecurityRequestStatus::Open;
        let mut due = r.due;
        let mut last_response = None;
        for s in &steps {
            match s.kind {
                RequestStepKind::Responded => {
                    if status != SecurityRequestStatus::Closed {
                        status = SecurityRequestStatus::Responded;
                    }
                    last_response = Some(s.text.clone());
                }
                RequestStepKind::Closed => status = SecurityRequestStatus::Closed,
                RequestStepKind::Reopened => {
                    status = SecurityRequestStatus::Open;
                    due = s.due.unwrap_or(due);
                }
            }
        }
        let overdue = status == SecurityRequestStatus::Open && self.as_of.date_naive() > due;
        let mut seqs = vec![r.issued.seq];
        seqs.extend(steps.iter().map(|s| s.stamp.seq));
        SecurityRequestView {
            id: r.id.clone(),
            supervisor_post_id: r.supervisor_post_id.clone(),
            issued_by: r.issued_by.clone(),
            acting_for: r.acting_for.clone(),
            addressee: r.addressee.clone(),
            finding: r.finding.clone(),
            standard: r.standard.clone(),
            due,
            status,
            overdue,
            last_response,
            seqs,
        }
    }

    /// Security improvement requests (第10条第2項) issued by `as_of`; overdue = open past due.
    pub fn security_requests(&self) -> SecurityRequestsView {
        SecurityRequestsView {
            at: self.header(),
            requests: self
                .state
                .security_requests
                .values()
                .filter(|r| self.happened(&r.issued))
                .map(|r| self.security_request_view(r))
                .collect(),
        }
    }
}
