//! `govledger token …`: issue, revoke and list tokens from the command line.

use std::process::ExitCode;

use clap::Subcommand;

use super::tokens::{self, Role};
use crate::cli::DbArg;
use crate::store::Store;

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
        /// The person issuing it, recorded as the event's actor.
        #[arg(long, env = "GOVLEDGER_ACTOR")]
        actor: String,
    },
    /// Revoke a token by its id (the part after `glt_`, before the next `_`).
    Revoke {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        id: String,
        /// The person revoking it, recorded as the event's actor.
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
        } => {
            let store = open(&db).await?;
            let issued = tokens::issue(&store, &person, role, &actor, None).await?;
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
            let store = open(&db).await?;
            let c = tokens::revoke(&store, &id, &actor, None).await?;
            println!("revoked token {id}, recorded at seq {}", c.seq);
        }
        TokenCommand::List { db } => {
            let store = open(&db).await?;
            for t in tokens::list(&store).await? {
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

/// Tokens are kept in a ledger: one that does not exist is not created.
async fn open(db: &DbArg) -> anyhow::Result<Store> {
    crate::cli::open_ledger(&db.db).await
}
