//! The packaging files, checked without Docker or a running systemd: `Dockerfile`,
//! `compose.yaml` (read by PyYAML), `deploy/Caddyfile` and `deploy/govledger.service`. Each
//! flag and `GOVLEDGER_*` variable they use must exist in the real binary's `--help`; ports
//! must agree (listen, health check, proxy, published); the image and the service must run as
//! a user other than root with the signing key on a volume (read-only where served); the unit
//! must carry its hardening. hadolint (from `tests/ops-requirements.txt`, installed by
//! `.ci/run`) lints the Dockerfile and `systemd-analyze verify` the unit, where installed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_govledger");
/// Skips hadolint when set (CI never sets it: `.ci/run` installs hadolint).
const SKIP_HADOLINT: &str = "GOVLEDGER_SKIP_HADOLINT";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `govledger <subcommand…> --help`.
fn help(subcommand: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(subcommand)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "govledger {subcommand:?} --help");
    String::from_utf8(out.stdout).unwrap()
}

/// The long flags a help text lists (`--listen`, …).
fn flags_of(help: &str) -> BTreeSet<String> {
    help.split_whitespace()
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| {
            let name: String = w
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            format!("--{name}")
        })
        .filter(|f| f.len() > 2)
        .collect()
}

/// The environment variables a help text names (`[env: GOVLEDGER_DB=]`).
fn env_of(help: &str) -> BTreeSet<String> {
    help.split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split('=').next())
        .map(str::to_owned)
        .collect()
}

/// Every `GOVLEDGER_*` variable the binary reads, from the help of the commands the packaging
/// runs.
fn known_env() -> BTreeSet<String> {
    let mut all = env_of(&help(&["serve"]));
    all.extend(env_of(&help(&["init"])));
    all
}

/// Checks that `args` (a govledger command line without the binary) names a subcommand and
/// only flags that subcommand has. Returns the flags with their values.
fn check_command_line(args: &[String], whence: &str) -> BTreeMap<String, String> {
    let sub = args
        .first()
        .unwrap_or_else(|| panic!("{whence}: no subcommand"));
    let known = flags_of(&help(&[sub.as_str()]));
    let mut values = BTreeMap::new();
    let mut i = 1;
    while i < args.len() {
        let arg = &args[i];
        assert!(arg.starts_with("--"), "{whence}: unexpected argument {arg}");
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        assert!(
            known.contains(&flag),
            "{whence}: `govledger {sub}` has no flag {flag} (it has {known:?})"
        );
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i).cloned().unwrap_or_default()
            }
        };
        values.insert(flag, value);
        i += 1;
    }
    values
}

fn port_of(addr: &str) -> u16 {
    addr.rsplit(':').next().unwrap().parse().unwrap()
}

fn check_env_names<'a>(names: impl IntoIterator<Item = &'a String>, whence: &str) {
    let known = known_env();
    for name in names {
        if name.starts_with("GOVLEDGER_") {
            assert!(
                known.contains(name),
                "{whence}: govledger reads no {name} (it reads {known:?})"
            );
        }
    }
}

// --- Dockerfile ---------------------------------------------------------------------------

/// The Dockerfile's instructions: (INSTRUCTION, arguments), continuation lines joined,
/// comments and blank lines dropped.
fn dockerfile() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                if let Some((inst, args)) = current.trim().split_once(char::is_whitespace) {
                    out.push((inst.to_uppercase(), args.trim().to_owned()));
                }
                current.clear();
            }
        }
    }
    out
}

/// The instructions of the final stage.
fn final_stage(all: &[(String, String)]) -> &[(String, String)] {
    let last_from = all.iter().rposition(|(i, _)| i == "FROM").unwrap();
    &all[last_from..]
}

/// `KEY=value` pairs of the ENV instructions.
fn env_instructions(stage: &[(String, String)]) -> BTreeMap<String, String> {
    stage
        .iter()
        .filter(|(i, _)| i == "ENV")
        .flat_map(|(_, args)| args.split_whitespace())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn json_array(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("not an exec-form array {args}: {e}"))
}

#[test]
fn the_image_is_multi_stage_small_and_runs_as_a_user_other_than_root() {
    let all = dockerfile();
    let froms: Vec<&String> = all
        .iter()
        .filter(|(i, _)| i == "FROM")
        .map(|(_, a)| a)
        .collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    let stage = final_stage(&all);
    assert_eq!(stage[0].1, "debian:bookworm-slim", "small runtime image");
    // The build stage's Rust is at least the crate's rust-version.
    let manifest = read("Cargo.toml");
    let wanted = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    let build = froms[0];
    let tag = build
        .strip_prefix("rust:")
        .and_then(|t| t.split('-').next())
        .unwrap_or_else(|| panic!("build stage {build}"));
    let v = |s: &str| -> Vec<u32> { s.split('.').map(|p| p.parse().unwrap()).collect() };
    assert!(v(tag) >= v(wanted), "rust {tag} < rust-version {wanted}");
    assert!(
        build.ends_with("-bookworm AS build"),
        "same Debian as the runtime: {build}"
    );

    // USER: set in the final stage, not root, before the entry point.
    let users: Vec<&String> = stage
        .iter()
        .filter(|(i, _)| i == "USER")
        .map(|(_, a)| a)
        .collect();
    let user = users.last().expect("the final stage sets USER");
    let name = user.split(':').next().unwrap();
    assert!(name != "root" && name != "0", "runs as root: {user}");
    let user_at = stage.iter().rposition(|(i, _)| i == "USER").unwrap();
    let entry_at = stage.iter().position(|(i, _)| i == "ENTRYPOINT").unwrap();
    assert!(user_at < entry_at, "USER before ENTRYPOINT");

    // The binary comes from the build stage and is the entry point; the default command
    // uses only flags the binary has.
    assert!(stage.iter().any(|(i, a)| i == "COPY"
        && a.starts_with("--from=build")
        && a.ends_with(" /usr/local/bin/govledger")));
    let entry = json_array(&stage[entry_at].1);
    assert_eq!(entry, ["/usr/local/bin/govledger"]);
    let cmd = stage.iter().find(|(i, _)| i == "CMD").expect("CMD");
    check_command_line(&json_array(&cmd.1), "Dockerfile CMD");

    // Variables the binary reads; the key file on a volume; the listen port exposed and
    // health-checked on /healthz.
    let env = env_instructions(stage);
    check_env_names(env.keys(), "Dockerfile ENV");
    let key = Path::new(&env["GOVLEDGER_KEY_FILE"]);
    let volumes: Vec<String> = stage
        .iter()
        .filter(|(i, _)| i == "VOLUME")
        .flat_map(|(_, a)| json_array(a))
        .collect();
    assert!(
        volumes.iter().any(|v| key.starts_with(v)),
        "key {key:?} on a volume: {volumes:?}"
    );
    let port = port_of(&env["GOVLEDGER_LISTEN"]);
    assert!(
        stage
            .iter()
            .any(|(i, a)| i == "EXPOSE" && a.split_whitespace().any(|p| p == port.to_string())),
        "EXPOSE {port}"
    );
    let health = stage
        .iter()
        .find(|(i, _)| i == "HEALTHCHECK")
        .map(|(_, a)| a)
        .expect("HEALTHCHECK");
    assert!(health.contains("/healthz"), "{health}");
    assert!(health.contains(&format!("/127.0.0.1/{port}")), "{health}");
    assert_eq!(dockerfile_health_port(), port);

    // The build context leaves out the build directory and the secrets.
    let ignore = read(".dockerignore");
    for must in ["target/", "*.key", ".git/"] {
        assert!(
            ignore.lines().any(|l| l.trim() == must),
            ".dockerignore: {must}"
        );
    }
}

/// The port the image's HEALTHCHECK probes.
fn dockerfile_health_port() -> u16 {
    let all = dockerfile();
    let health = &final_stage(&all)
        .iter()
        .find(|(i, _)| i == "HEALTHCHECK")
        .unwrap()
        .1;
    let after = health.split("/dev/tcp/127.0.0.1/").nth(1).unwrap();
    after
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn hadolint_finds_nothing_in_the_dockerfile() {
    let out = match Command::new("hadolint")
        .arg(root().join("Dockerfile"))
        .output()
    {
        Ok(out) => out,
        Err(_) if std::env::var_os(SKIP_HADOLINT).is_some() => {
            eprintln!("SKIPPED: hadolint is not installed and {SKIP_HADOLINT} is set");
            return;
        }
        Err(e) => panic!(
            "hadolint: {e}; install it with `python3 -m pip install -r tests/ops-requirements.txt` \
             (or set {SKIP_HADOLINT}=1 to skip this test)"
        ),
    };
    assert!(
        out.status.success(),
        "hadolint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// --- compose.yaml and the proxy -----------------------------------------------------------

/// compose.yaml as JSON, read by PyYAML (anchors and merge keys resolved).
fn compose() -> Value {
    let script = "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(root().join("compose.yaml"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "PyYAML could not read compose.yaml (`python3 -m pip install -r tests/ops-requirements.txt`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// The upstreams and the listening port of `deploy/Caddyfile`.
fn caddyfile() -> (u16, BTreeSet<String>) {
    let text = read("deploy/Caddyfile");
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let site = lines[0].trim_end_matches('{').trim();
    let port = port_of(site);
    let upstreams = lines
        .iter()
        .find_map(|l| l.strip_prefix("reverse_proxy "))
        .expect("reverse_proxy")
        .trim_end_matches('{')
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    (port, upstreams)
}

#[test]
fn compose_runs_two_instances_on_postgresql_behind_one_published_port() {
    let doc = compose();
    let services = doc["services"].as_object().unwrap();
    let env_of_service = |s: &Value| -> BTreeMap<String, String> {
        s["environment"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let is_govledger = |s: &Value| s["image"].as_str() == Some("govledger:local");
    let postgres = &services["postgres"];
    assert!(postgres["image"].as_str().unwrap().starts_with("postgres:"));
    assert!(
        postgres["healthcheck"]["test"].is_array(),
        "postgres health check"
    );

    // Every govledger container: known flags and variables, the database on the postgres
    // service without a password in the URL, started once PostgreSQL is healthy, never root.
    let mut servers = BTreeMap::new();
    for (name, s) in services.iter().filter(|(_, s)| is_govledger(s)) {
        assert_eq!(s["build"], ".", "{name} is built from the Dockerfile");
        let env = env_of_service(s);
        check_env_names(env.keys(), name);
        let db = &env["GOVLEDGER_DB"];
        let host = db
            .strip_prefix("postgres://")
            .and_then(|r| r.split_once('@'))
            .unwrap_or_else(|| panic!("{name}: {db}"));
        assert!(!host.0.contains(':'), "{name}: a password in GOVLEDGER_DB");
        assert!(host.1.starts_with("postgres:") || host.1.starts_with("postgres/"));
        assert_eq!(
            s["depends_on"]["postgres"]["condition"], "service_healthy",
            "{name} waits for PostgreSQL"
        );
        assert!(s.get("user").is_none(), "{name} overrides the image's user");
        assert!(
            s.get("ports").is_none(),
            "{name} publishes a port: only the proxy does"
        );
        let command = strings(&s["command"]);
        if command.first().map(String::as_str) != Some("serve") {
            continue;
        }
        let flags = check_command_line(&command, name);
        // Served containers read the key from a read-only volume at GOVLEDGER_KEY_FILE's dir.
        let key = Path::new(&env["GOVLEDGER_KEY_FILE"]);
        let mounts = strings(&s["volumes"]);
        assert!(
            mounts.iter().any(|m| {
                let parts: Vec<&str> = m.split(':').collect();
                parts.len() == 3 && key.starts_with(parts[1]) && parts[2] == "ro"
            }),
            "{name}: the key {key:?} read-only from a volume: {mounts:?}"
        );
        // The image's health check probes the port the instance listens on.
        let listen = port_of(&flags["--listen"]);
        assert_eq!(
            listen,
            dockerfile_health_port(),
            "{name}: listen vs HEALTHCHECK"
        );
        let metrics = port_of(&flags["--metrics-listen"]);
        assert_ne!(metrics, listen);
        servers.insert(name.clone(), listen);
    }
    assert!(servers.len() >= 2, "two instances: {servers:?}");

    // One proxy in front of exactly those instances, publishing the port it listens on.
    let published: Vec<(&String, &Value)> = services
        .iter()
        .filter(|(_, s)| s.get("ports").is_some())
        .collect();
    assert_eq!(published.len(), 1, "one published service");
    let (proxy, p) = published[0];
    assert!(
        p["image"].as_str().unwrap().starts_with("caddy:"),
        "{proxy}"
    );
    let (proxy_port, upstreams) = caddyfile();
    let ports = strings(&p["ports"]);
    assert_eq!(ports.len(), 1);
    assert_eq!(port_of(&ports[0]), proxy_port, "published {ports:?}");
    let expected: BTreeSet<String> = servers
        .iter()
        .map(|(name, port)| format!("{name}:{port}"))
        .collect();
    assert_eq!(upstreams, expected, "the proxy's upstreams");
    assert!(
        strings(&p["volumes"])
            .iter()
            .any(|m| m.starts_with("./deploy/Caddyfile:/etc/caddy/Caddyfile")),
        "the checked-in Caddyfile is mounted"
    );
    for (name, s) in services.iter().filter(|(_, s)| is_govledger(s)) {
        for net in strings(&s["networks"]) {
            assert_eq!(
                doc["networks"][&net]["internal"], true,
                "{name} is on {net}, which is not internal"
            );
        }
    }
}

// --- systemd ------------------------------------------------------------------------------

/// The unit's `Key=value` lines by section; a key given several times keeps every value.
fn unit() -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut section = String::new();
    for line in read("deploy/govledger.service").lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_owned();
            continue;
        }
        let (k, v) = line.split_once('=').unwrap_or_else(|| panic!("{line}"));
        out.entry((section.clone(), k.trim().to_owned()))
            .or_default()
            .push(v.trim().to_owned());
    }
    out
}

#[test]
fn the_systemd_unit_is_hardened_and_uses_flags_the_binary_has() {
    let u = unit();
    let get = |k: &str| -> Vec<String> {
        u.get(&("Service".to_owned(), k.to_owned()))
            .cloned()
            .unwrap_or_default()
    };
    let one = |k: &str| -> String {
        let v = get(k);
        assert_eq!(v.len(), 1, "{k}: {v:?}");
        v[0].clone()
    };
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("PrivateTmp", "yes"),
        ("ProtectHome", "yes"),
        ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectControlGroups", "yes"),
        ("RestrictSUIDSGID", "yes"),
        ("RestrictNamespaces", "yes"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
        ("CapabilityBoundingSet", ""),
        ("UMask", "0077"),
    ] {
        assert_eq!(one(key), value, "{key}");
    }
    assert!(!get("SystemCallFilter").is_empty(), "SystemCallFilter");
    let user = one("User");
    assert!(user != "root" && user != "0", "User={user}");

    // Writable: the state directory, which holds the SQLite ledger; not the key.
    let writable = one("ReadWritePaths");
    let state = format!("/var/lib/{}", one("StateDirectory"));
    assert!(
        writable.split_whitespace().any(|p| p == state),
        "{writable}"
    );
    let env: BTreeMap<String, String> = get("Environment")
        .iter()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    check_env_names(env.keys(), "govledger.service");
    let db = env["GOVLEDGER_DB"].strip_prefix("sqlite://").unwrap();
    assert!(
        Path::new(db).starts_with(&state),
        "the ledger {db} under {state}"
    );
    let key = Path::new(&env["GOVLEDGER_KEY_FILE"]);
    assert!(
        !writable.split_whitespace().any(|p| key.starts_with(p)),
        "the server can rewrite its key {key:?}"
    );

    // ExecStart: the installed binary, `serve`, flags it has, on localhost.
    let exec = one("ExecStart");
    let mut words = exec.split_whitespace().map(str::to_owned);
    assert_eq!(words.next().unwrap(), "/usr/local/bin/govledger");
    let args: Vec<String> = words.collect();
    let flags = check_command_line(&args, "ExecStart");
    assert!(flags["--listen"].starts_with("127.0.0.1:"), "{exec}");
    assert!(
        flags["--metrics-listen"].starts_with("127.0.0.1:"),
        "{exec}"
    );
}

/// `systemd-analyze verify` (where systemd is installed) on the unit with the test's binary
/// in place of `/usr/local/bin/govledger`: it must have nothing to say.
#[test]
fn systemd_analyze_verify_accepts_the_unit() {
    let Ok(probe) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("SKIPPED: systemd-analyze is not installed");
        return;
    };
    assert!(probe.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("govledger.service");
    let text = read("deploy/govledger.service").replace("/usr/local/bin/govledger", BIN);
    std::fs::write(&path, text).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Complaints about the unit itself name its file; the host's own units are not ours.
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("govledger.service"))
        .filter(|l| !l.contains("Unit sysinit.target not found"))
        .collect();
    assert!(out.status.success() && ours.is_empty(), "{stderr}");
}
