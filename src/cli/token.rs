//! `govledger token …`: issue, revoke and list tokens from the command line.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::DbArg;
use crate::http::tokens::{self, Role};
use crate::ledger::Ledger;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token; prints the secret once on stdout (only its SHA-256 is stored).
    Issue {
        #[command(flatten)]
        db: DbArg,
        /// The person the token acts for.
        #[arg(long)]
        person: String,
        #[arg(long, value_enum)]
        role: Role,
        /// The person issuing it, recorded as the event's actor: the system administrator
        /// (第4条第1項) at the time of issue.
        #[arg(
            long,
            env = "GOVLEDGER_ACTOR",
            required_unless_present = "bootstrap",
            conflicts_with = "bootstrap"
        )]
        actor: Option<String>,
        /// Issue the ledger's first admin token with no issuing person: only while no admin
        /// token is live, only to the system administrator; the event records
        /// `"bootstrap": true` and the token's own person as actor.
        #[arg(long)]
        bootstrap: bool,
    },
    /// Revoke a token by its id (the part after `glt_`, before the next `_`).
    Revoke {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        id: String,
        /// The person revoking it, recorded as the event's actor: the system administrator
        /// (第4条第1項) at the time.
        #[arg(long, env = "GOVLEDGER_ACTOR")]
        actor: String,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        db: DbArg,
    },
}

pub async fn token(command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Issue {
            db,
            person,
            role,
            actor,
            bootstrap,
        } => {
            let ledger = open_ledger(&db).await?;
            let by = match actor {
                Some(actor) if !bootstrap => tokens::Issuer::Person(actor),
                _ => tokens::Issuer::Bootstrap,
            };
            let issued = tokens::issue(&ledger, &person, role, &by, None).await?;
            println!("{}", issued.token);
            eprintln!(
                "issued token {} for {} ({}), recorded at seq {}; the secret above is shown only once",
                issued.id,
                issued.person,
                issued.role.as_str(),
                issued.seq
            );
        }
        TokenCommand::Revoke { db, id, actor } => {
            let ledger = open_ledger(&db).await?;
            let c = tokens::revoke(&ledger, &id, &actor, None).await?;
            println!("revoked token {id}, recorded at seq {}", c.seq);
        }
        TokenCommand::List { db } => {
            let ledger = open_ledger(&db).await?;
            for t in tokens::list(&ledger).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.person,
                    t.role.as_str(),
                    t.created_at,
                    t.revoked_at.as_deref().unwrap_or("active")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The ledger with its projections: tokens are its own acts, issuing and revoking decided
/// against its state.
async fn open_ledger(db: &DbArg) -> anyhow::Result<Ledger> {
    let store = super::open_ledger(&db.db).await?;
    let (ledger, _) = Ledger::open(store)
        .await
        .context("cannot load the projections")?;
    Ok(ledger)
}
