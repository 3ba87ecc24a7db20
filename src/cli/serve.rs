//! `govledger serve`'s flags; the server itself is `crate::server`.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::{DbArg, KeyArg};
use crate::http::REQUEST_TIMEOUT;
use crate::notary::Notary;
use crate::server::{ConnectionLimits, ServeConfig};

const DEFAULT_LIMITS: ConnectionLimits = ConnectionLimits::DEFAULT;

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// A configuration file (TOML, keys named as these flags); a flag or its environment
    /// variable beats the file, the file beats the default (see `govledger config check`).
    #[arg(long, env = super::config::CONFIG_ENV, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub db: DbArg,
    /// Address to listen on; port 0 picks a free port (the first stdout line names it).
    #[arg(long, env = "GOVLEDGER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The checkpoint signing key (made by `govledger init`); refused if others can read it.
    #[command(flatten)]
    pub key: KeyArg,
    /// Sign a checkpoint this often (seconds) when the head moved; 0 turns it off.
    #[arg(long, env = "GOVLEDGER_CHECKPOINT_EVERY", default_value_t = 60)]
    pub checkpoint_every: u64,
    /// Serve the C2SP tlog-tiles API (`/tile/…`, `/checkpoint`) without a token. Off by
    /// default: entry bundles reveal every event's body.
    #[arg(long, env = "GOVLEDGER_PUBLIC_TILES")]
    pub public_tiles: bool,
    /// Serve Prometheus metrics at `/metrics` on this address, a listener of its own (none on
    /// the API's port); off when absent. Bind it to a private address: it needs no token.
    #[arg(long, env = "GOVLEDGER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// A witness to ask for cosignatures of each checkpoint, as `URL=VKEY` (VKEY: its public
    /// key, the text or a file holding it); repeatable.
    #[arg(long = "witness", value_name = "URL=VKEY")]
    pub witnesses: Vec<String>,
    /// A reverse proxy (an address or a CIDR block) whose `X-Forwarded-For` names the client,
    /// for the failed-authentication limiter; repeatable, or comma-separated in the variable.
    /// Without it every client behind a proxy counts as the proxy.
    #[arg(long = "trusted-proxy", env = "GOVLEDGER_TRUSTED_PROXY", value_name = "CIDR",
        value_delimiter = ',', value_parser = crate::http::auth::TrustedProxies::parse_one)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// How long a client may take and how many may connect (see `crate::server::serve`).
#[derive(Debug, Args, Clone, Copy, PartialEq, Eq)]
pub struct LimitArgs {
    /// Seconds a client has to send a complete request head, from the connection's opening or
    /// the end of the previous response (so also how long an idle keep-alive connection stays
    /// open); then the connection is closed.
    #[arg(long, env = "GOVLEDGER_HEADER_TIMEOUT", default_value_t = DEFAULT_LIMITS.header_timeout,
        value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a request body may take to arrive in full after its head; then 408. Below the
    /// 30 s a request may take in all.
    #[arg(long, env = "GOVLEDGER_BODY_TIMEOUT", default_value_t = DEFAULT_LIMITS.body_timeout,
        value_parser = clap::value_parser!(u64).range(1..REQUEST_TIMEOUT.as_secs()))]
    pub body_timeout: u64,
    /// Seconds a connection may stay silent (no byte either way) while no request on it is
    /// being worked on, e.g. a client that stopped reading an answer; then it is closed. Keep
    /// it above 15 s: a live tail sends a comment every 15 s.
    #[arg(long, env = "GOVLEDGER_IDLE_TIMEOUT", default_value_t = DEFAULT_LIMITS.idle_timeout,
        value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_timeout: u64,
    /// Most connections served at once; beyond it new ones wait to be accepted.
    #[arg(long, env = "GOVLEDGER_MAX_CONNECTIONS", default_value_t = DEFAULT_LIMITS.max_connections,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
}

impl Default for LimitArgs {
    fn default() -> LimitArgs {
        LimitArgs {
            header_timeout: DEFAULT_LIMITS.header_timeout,
            body_timeout: DEFAULT_LIMITS.body_timeout,
            idle_timeout: DEFAULT_LIMITS.idle_timeout,
            max_connections: DEFAULT_LIMITS.max_connections,
        }
    }
}

impl From<LimitArgs> for ConnectionLimits {
    fn from(a: LimitArgs) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: a.header_timeout,
            body_timeout: a.body_timeout,
            idle_timeout: a.idle_timeout,
            max_connections: a.max_connections,
        }
    }
}

/// `govledger serve`: the key first (a server that could not sign checkpoints should not
/// start at all), then the witnesses, then the ledger (serving creates none: `init`, `demo`
/// and `import` do), then the server until a shutdown signal.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    crate::server::init_logging();
    let key_path = args.key.path(&args.db.db);
    let witnesses = args
        .witnesses
        .iter()
        .map(|w| crate::witness::WitnessEndpoint::parse(w))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let notary = Notary::from_key_file(&key_path)
        .with_context(|| format!("signing key {}", key_path.display()))?
        .with_witnesses(crate::witness::Witnesses::new(witnesses)?);
    let store = super::open_ledger(&args.db.db).await?;
    let config = ServeConfig {
        db: args.db.db,
        listen: args.listen,
        checkpoint_every: Duration::from_secs(args.checkpoint_every),
        public_tiles: args.public_tiles,
        metrics_listen: args.metrics_listen,
        limits: args.limits.into(),
        trusted_proxies: crate::http::auth::TrustedProxies::new(args.trusted_proxies),
    };
    crate::server::serve(config, notary, store).await
}
