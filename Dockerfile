# syntax=docker/dockerfile:1
# govledger as a container: built in a Rust image, run from debian:bookworm-slim as a non-root
# user. Build: `docker build -t govledger .`; run with PostgreSQL and a reverse proxy:
# compose.yaml. How to check this file without Docker: README "Operating govledger".

# --- build ------------------------------------------------------------------------------
# The Rust the crate asks for (Cargo.toml rust-version), on the runtime's Debian release so
# the binary links against the same glibc.
FROM rust:1.94-slim-bookworm AS build
WORKDIR /src
# The whole workspace: .cargo/config.toml (SQLite's compile flags) included; target/ is not
# (.dockerignore). SQLite is bundled and no TLS is compiled in, so no -dev packages needed.
COPY . .
# Cache mounts keep the registry and build directory between builds; the binary is copied out
# of the cache in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin govledger \
 && install -D -m 0755 target/release/govledger /out/govledger

# --- run --------------------------------------------------------------------------------
FROM debian:bookworm-slim
# A system user with a fixed uid (10001, given to USER by number so that orchestrators can see
# it is not root), so volume ownership is stable across rebuilds. /var/lib/
# govledger/data holds a SQLite ledger (when used) and /var/lib/govledger/keys the checkpoint
# signing key, which must be this user's, mode 0600 (`govledger init` writes it so).
RUN groupadd --system --gid 10001 govledger \
 && useradd --system --uid 10001 --gid govledger --no-create-home \
        --home-dir /var/lib/govledger --shell /usr/sbin/nologin govledger \
 && install -d -o govledger -g govledger -m 0700 \
        /var/lib/govledger /var/lib/govledger/data /var/lib/govledger/keys
COPY --from=build /out/govledger /usr/local/bin/govledger
USER 10001:10001
WORKDIR /var/lib/govledger
# Every flag has an environment variable (`govledger serve --help`). Listen on every address
# inside the container (the port is published, or proxied, by the operator).
ENV GOVLEDGER_LISTEN=0.0.0.0:8080 \
    GOVLEDGER_DB=sqlite:///var/lib/govledger/data/govledger.db \
    GOVLEDGER_KEY_FILE=/var/lib/govledger/keys/ledger.key
VOLUME ["/var/lib/govledger/data", "/var/lib/govledger/keys"]
EXPOSE 8080
# GET /healthz with bash alone (no curl in a slim image): the process is up and serving.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/govledger"]
CMD ["serve"]
