//! Who may admit a person to this ledger: issue or revoke a bearer token.
//!
//! The regulation says nothing of the ledger itself. Admitting people to the system's records
//! is the operation management (運用管理, 第3条第2項第1号) and security (第3条第2項第3号) of
//! the system, which the supervisor directs and the system administrator performs: 第4条第1項
//! 「システム管理者は、…前条第2項各号に定める業務を行う」. So a token is issued and revoked by
//! the holder of the system administrator's post at the time, and the act cites 第4条第1項.
//! (第10条第1項, cited before, is the officers' duty to manage their information assets.)
//!
//! A token goes only to a person the ledger knows at the time of issue (registered by then,
//! and not voided by a correction): its role is then answerable from the ledger, and its
//! events name someone an auditor can look up.
//!
//! Bootstrap: a ledger's first admin token can be issued by the database's operator instead
//! of a person, while no admin token is live, and only to the system administrator; the event
//! says so.

use govledger_projections::{Lens, State};
use govledger_schema::events::{Role, TokenRole};

use super::articles::{ART_4_1, RECORDING};
use super::{Refusal, Time, check_id, msg, refuse};

/// The article that gives the authority to admit people to the ledger.
pub const ADMISSION: &str = ART_4_1.cite;

/// Who issues a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer<'a> {
    /// A person of the ledger (the HTTP caller's person, or the CLI's `--actor`).
    Person(&'a str),
    /// The database's operator bootstrapping the first admin token (`token issue --bootstrap`),
    /// with the number of admin tokens live at the locked head.
    Bootstrap { live_admin_tokens: u64 },
}

/// Decides whether `issuer` may issue a `role` token to `person` at `at`; gives the basis to
/// record.
pub fn issue_token(
    state: &State,
    person: &str,
    role: TokenRole,
    issuer: Issuer<'_>,
    at: Time,
) -> Result<&'static str, Refusal> {
    let l = initialised(state, at)?;
    check_id("person", person)?;
    if l.person(person).is_none() {
        return refuse(
            "token.person_unknown",
            RECORDING,
            msg!("{at} までに登録された者 {person} はいません。トークンは台帳が知る者にのみ発行されます"; format!(
                "no person {person} registered by {at}: a token goes only to a person the ledger knows"
            )),
        );
    }
    match issuer {
        Issuer::Person(actor) => administrator(&l, actor, at)?,
        Issuer::Bootstrap { live_admin_tokens } => {
            if role != TokenRole::Admin {
                return refuse(
                    "token.bootstrap_not_admin",
                    RECORDING,
                    msg!("初期設定で発行できるのは最初の管理トークンだけです。以降はシステム管理者が発行します"; "the bootstrap issues the first admin token only; the administrator issues the rest"),
                );
            }
            if live_admin_tokens > 0 {
                return refuse(
                    "token.bootstrap_closed",
                    RECORDING,
                    msg!("有効な管理トークンが {live_admin_tokens} 件あるため初期設定は終了しています。トークンはシステム管理者が発行します（--actor）"; format!(
                        "{live_admin_tokens} admin token(s) are live: the bootstrap is closed; the system administrator issues tokens (--actor)"
                    )),
                );
            }
            if !holds_administrator_post(&l, person) {
                return refuse(
                    "token.bootstrap_not_administrator",
                    ART_4_1,
                    msg!("{person} は {at} にシステム管理者の職にありません。初期設定のトークンはシステム管理者にのみ発行されます"; format!(
                        "{person} does not hold the system administrator's post at {at}: the bootstrap token goes to the system administrator only"
                    )),
                );
            }
        }
    }
    Ok(ADMISSION)
}

/// Decides whether `actor` may revoke a token at `at`; gives the basis to record.
pub fn revoke_token(state: &State, actor: &str, at: Time) -> Result<&'static str, Refusal> {
    let l = initialised(state, at)?;
    administrator(&l, actor, at)?;
    Ok(ADMISSION)
}

fn initialised(state: &State, at: Time) -> Result<Lens<'_>, Refusal> {
    if state.genesis_at().is_none() {
        return refuse(
            "ledger.not_initialised",
            RECORDING,
            msg!("台帳はまだ初期化されていません（govledger init）"; "the ledger has no genesis yet (govledger init)"),
        );
    }
    Ok(state.lens(at, None))
}

/// `actor` is a person of the ledger holding the system administrator's post at `at`.
fn administrator(l: &Lens<'_>, actor: &str, at: Time) -> Result<(), Refusal> {
    if l.person(actor).is_none() {
        return refuse(
            "actor.unknown",
            RECORDING,
            msg!("実行者 {actor:?} は {at} までに登録された者ではありません"; format!("actor {actor:?} is not a person registered by {at}")),
        );
    }
    if !holds_administrator_post(l, actor) {
        return refuse(
            "token.not_administrator",
            ART_4_1,
            msg!("{actor} は {at} にシステム管理者の職にありません。台帳の利用者はシステム管理者が認めます"; format!(
                "{actor} does not hold the system administrator's post at {at}: people are admitted to the ledger by the system administrator"
            )),
        );
    }
    Ok(())
}

fn holds_administrator_post(l: &Lens<'_>, person: &str) -> bool {
    l.bound_posts(Role::SystemAdministrator)
        .iter()
        .any(|b| l.holds_post(person, &b.post_id))
}
