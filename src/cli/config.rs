//! The configuration file of `govledger serve` (`--config FILE` or `GOVLEDGER_CONFIG`).
//!
//! TOML; each key is the name of a `serve` flag (`listen`, `key-file`, `header-timeout`,
//! `witness = ["URL=VKEY", …]`, …); an unknown key is refused naming it. Precedence: a flag
//! on the command line, then its environment variable, then the file, then the default. The
//! file's values enter as if given as flags (only where neither the command line nor the
//! environment gives one), so clap checks them exactly as it checks flags: one set of rules,
//! one set of messages.
//!
//! `govledger config check` takes the same flags and prints the effective configuration,
//! each value with where it came from; the database URL's password is never shown.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::parser::ValueSource;
use serde::{Deserialize, Serialize};

/// The environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "GOVLEDGER_CONFIG";

/// What a configuration file may set: every `serve` flag, by its name.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    pub db: Option<String>,
    pub listen: Option<String>,
    pub key_file: Option<String>,
    pub checkpoint_every: Option<u64>,
    pub public_tiles: Option<bool>,
    pub metrics_listen: Option<String>,
    pub header_timeout: Option<u64>,
    pub body_timeout: Option<u64>,
    pub idle_timeout: Option<u64>,
    pub max_connections: Option<u32>,
    /// `URL=VKEY`, as `--witness` (repeatable there, a list here).
    pub witness: Option<Vec<String>>,
    /// Addresses or CIDR blocks, as `--trusted-proxy` (repeatable there, a list here).
    pub trusted_proxy: Option<Vec<String>>,
}

impl FileConfig {
    /// Parses a file; the error, one line, names the key at fault.
    pub fn parse(text: &str) -> Result<FileConfig, String> {
        let one_line = |e: &toml::de::Error| e.message().trim_end().replace('\n', " ");
        let de = toml::Deserializer::parse(text).map_err(|e| match e.span() {
            Some(at) => format!(
                "line {}: {}",
                text.get(..at.start).map_or(0, |t| t.matches('\n').count()) + 1,
                one_line(&e)
            ),
            None => one_line(&e),
        })?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let why = one_line(e.inner());
            if path == "." {
                why
            } else {
                format!("{path}: {why}")
            }
        })
    }

    /// The keys a file may hold (the `serve` flags' long names).
    pub fn keys() -> Vec<String> {
        match serde_json::to_value(FileConfig::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// Each key set, with its values as command-line values (a flag without a value for a
    /// `true`; nothing for a `false`, which is every boolean flag's default).
    fn entries(&self) -> Vec<(String, Vec<Option<String>>)> {
        let Ok(serde_json::Value::Object(map)) = serde_json::to_value(self) else {
            return Vec::new();
        };
        let scalar = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(Some(s.clone())),
            serde_json::Value::Bool(true) => Some(None),
            serde_json::Value::Number(n) => Some(Some(n.to_string())),
            _ => None,
        };
        map.into_iter()
            .filter_map(|(k, v)| {
                let values: Vec<Option<String>> = match &v {
                    serde_json::Value::Array(items) => items.iter().filter_map(scalar).collect(),
                    v => scalar(v).into_iter().collect(),
                };
                (!values.is_empty()).then_some((k, values))
            })
            .collect()
    }
}

/// Where the configuration came from, for `config check`.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub path: Option<PathBuf>,
    /// The flags whose values the file gave.
    pub from_file: BTreeSet<String>,
}

/// Reads the configuration file named for `serve` (or `config check`) and puts its values
/// into `args` as flags, where neither the command line nor the environment gives that flag.
/// Any other command's arguments are returned unchanged. `serve` is the `serve` subcommand's
/// definition (the flags' names and environment variables).
pub fn with_file(
    mut args: Vec<OsString>,
    serve: &clap::Command,
) -> anyhow::Result<(Vec<OsString>, Loaded)> {
    let at = match (args.get(1), args.get(2)) {
        (Some(a), _) if a == "serve" => 2,
        (Some(a), Some(b)) if a == "config" && b == "check" => 3,
        _ => return Ok((args, Loaded::default())),
    };
    let rest = &args[at..];
    let path = rest
        .iter()
        .enumerate()
        .find_map(|(i, a)| {
            if a == "--config" {
                rest.get(i + 1).map(PathBuf::from)
            } else {
                a.to_str()
                    .and_then(|a| a.strip_prefix("--config="))
                    .map(PathBuf::from)
            }
        })
        .or_else(|| {
            std::env::var_os(CONFIG_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
    let Some(path) = path else {
        return Ok((args, Loaded::default()));
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let file = FileConfig::parse(&text)
        .map_err(|e| anyhow::anyhow!("configuration file {}: {e}", path.display()))?;
    let given: BTreeSet<String> = rest
        .iter()
        .filter_map(|a| a.to_str())
        .filter_map(|a| a.strip_prefix("--"))
        .map(|a| a.split_once('=').map_or(a, |(name, _)| name).to_owned())
        .collect();
    let mut from_file = BTreeSet::new();
    let mut extra = Vec::new();
    for (key, values) in file.entries() {
        let Some(arg) = serve.get_arguments().find(|a| a.get_long() == Some(&key)) else {
            anyhow::bail!("configuration key {key:?} has no `serve` flag");
        };
        let in_env = arg
            .get_env()
            .and_then(std::env::var_os)
            .is_some_and(|v| !v.is_empty());
        if given.contains(&key) || in_env {
            continue;
        }
        for value in values {
            extra.push(match value {
                Some(v) => OsString::from(format!("--{key}={v}")),
                None => OsString::from(format!("--{key}")),
            });
        }
        from_file.insert(key);
    }
    // The file's values alone first, so a bad one is reported as the file's.
    if let Err(e) = serve
        .clone()
        .no_binary_name(true)
        .try_get_matches_from(&extra)
    {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        anyhow::bail!(
            "configuration file {}: {}",
            path.display(),
            first.strip_prefix("error: ").unwrap_or(first)
        );
    }
    args.splice(at..at, extra);
    Ok((
        args,
        Loaded {
            path: Some(path),
            from_file,
        },
    ))
}

/// `govledger config check`: prints the effective configuration of `serve` as TOML, each
/// value with its source; the database password redacted.
pub fn check(
    serve: &clap::Command,
    matches: &clap::ArgMatches,
    loaded: &Loaded,
) -> anyhow::Result<ExitCode> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# effective configuration of `govledger serve`; file: {}",
        loaded
            .path
            .as_ref()
            .map_or_else(|| "none".to_owned(), |p| p.display().to_string())
    );
    let keys = FileConfig::keys();
    for arg in serve.get_arguments() {
        let Some(long) = arg.get_long() else {
            continue;
        };
        if !keys.iter().any(|k| k == long) {
            continue;
        }
        let id = arg.get_id().as_str();
        let source = if loaded.from_file.contains(long) {
            "file".to_owned()
        } else {
            match matches.value_source(id) {
                Some(ValueSource::CommandLine) => "flag".to_owned(),
                Some(ValueSource::EnvVariable) => match arg.get_env() {
                    Some(name) => format!("env {}", name.to_string_lossy()),
                    None => "env".to_owned(),
                },
                Some(ValueSource::DefaultValue) => "default".to_owned(),
                _ => "unset".to_owned(),
            }
        };
        let values: Vec<String> = matches
            .get_raw(id)
            .map(|vs| vs.map(|v| toml_value(long, v)).collect())
            .unwrap_or_default();
        let line = match values.as_slice() {
            [] => format!("# {long} (unset)"),
            [one] if long != "witness" && long != "trusted-proxy" => format!("{long} = {one}"),
            many => format!("{long} = [{}]", many.join(", ")),
        };
        let _ = writeln!(out, "{line:<60} # {source}");
    }
    // One write; a closed stdout (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// A value as TOML: numbers and booleans bare, the rest a quoted string; the database URL's
/// password removed.
fn toml_value(key: &str, raw: &OsStr) -> String {
    let raw = raw.to_string_lossy();
    let raw = if key == "db" {
        crate::store::redact(&raw)
    } else {
        raw.into_owned()
    };
    if raw.parse::<u64>().is_ok() || raw == "true" || raw == "false" {
        raw
    } else {
        serde_json::Value::String(raw).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_serve_flag_is_a_key_and_every_key_a_flag() {
        use clap::CommandFactory as _;
        let cli = crate::cli::Cli::command();
        let serve = cli
            .find_subcommand("serve")
            .map(clap::Command::get_arguments);
        let mut flags: Vec<String> = serve
            .into_iter()
            .flatten()
            .filter_map(|a| a.get_long())
            .filter(|l| *l != "config" && *l != "help")
            .map(str::to_owned)
            .collect();
        flags.sort();
        let mut keys = FileConfig::keys();
        keys.sort();
        assert_eq!(flags, keys);
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let Err(e) = FileConfig::parse("listen = \"127.0.0.1:1\"\nlisten_addr = 3\n") else {
            panic!("accepted an unknown key");
        };
        assert!(e.contains("listen_addr"), "{e}");
    }
}
