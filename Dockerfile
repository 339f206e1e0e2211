# syntax=docker/dockerfile:1
#
# cojudge container image: one binary (`cojudge`) plus the static site it serves.
#
#   docker build -t cojudge .
#   docker run --rm -e DATABASE_URL=postgres://... -p 127.0.0.1:3000:3000 cojudge   # = cojudge serve
#
# Needs BuildKit (the default builder of current Docker) for the cache mounts and heredocs.
# The build steps below mirror scripts/build; keep the two in step.
# docker-compose.yml beside this file shows a whole deployment.

############################################################################
# Builder: compiles the server binary and the hydration bundle.
############################################################################
FROM rust:1-bookworm AS builder

# Must equal the `wasm-bindgen` version in Cargo.lock (checked below, the build fails otherwise).
ARG WASM_BINDGEN_VERSION=0.2.130
# wasm-opt comes from the npm package `binaryen`. WASM_OPT=0 skips the optimisation.
ARG BINARYEN_VERSION=132.0.0
ARG WASM_OPT=1

# Node.js only runs wasm-opt (binaryen's npm build is JavaScript + WebAssembly).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*

# wasm-opt is optional: an unusable one only costs bundle size, so it does not fail the build.
RUN npm install --global --no-audit --no-fund "binaryen@${BINARYEN_VERSION}" \
 && (wasm-opt --version || echo "warning: wasm-opt does not run; the wasm bundle will not be optimised" >&2)

RUN rustup target add wasm32-unknown-unknown

# The registry caches survive between builds; the installed binary lands in
# /usr/local/cargo/bin, which is part of the image layer (not a cache mount).
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    cargo install --locked wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}" \
 && wasm-bindgen --version

# The queries are checked against the committed .sqlx/ data: no database at build time.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never

WORKDIR /src
COPY . .

# target/ is a cache mount (incremental rebuilds), so it is gone after this step:
# the results are copied out to /out at the end.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,id=cojudge-target,sharing=locked \
    <<'EOF'
set -eu

# 0. wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
lock_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
cli_version=$(wasm-bindgen --version | cut -d' ' -f2)
if [ "$lock_version" != "$cli_version" ]; then
    echo "error: wasm-bindgen-cli is $cli_version but Cargo.lock has wasm-bindgen $lock_version;" >&2
    echo "       build again with --build-arg WASM_BINDGEN_VERSION=$lock_version" >&2
    exit 1
fi

# 1. the server binary
cargo build --locked --release -p cojudge

# 2. the browser bundle
cargo build --locked -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release

# 3. JS glue + wasm into the site's pkg/ (start from an empty site: target/ is a long-lived cache)
rm -rf target/site
wasm-bindgen --target web --no-typescript \
    --out-dir target/site/pkg --out-name cojudge \
    target/wasm32-unknown-unknown/wasm-release/frontend.wasm

# 4. optional size optimisation. Current Rust emits bulk-memory, non-trapping float-to-int,
#    sign-ext, mutable-globals, reference-types and multivalue by default, so wasm-opt has to
#    accept them. On failure the unoptimised (still correct) bundle is kept.
wasm=target/site/pkg/cojudge_bg.wasm
if [ "$WASM_OPT" = 1 ] && wasm-opt --version >/dev/null 2>&1; then
    if wasm-opt -Oz \
        --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        -o "$wasm.opt" "$wasm"; then
        mv "$wasm.opt" "$wasm"
    else
        rm -f "$wasm.opt"
        echo "warning: wasm-opt failed; shipping the unoptimised bundle" >&2
    fi
else
    echo "note: wasm-opt skipped (WASM_OPT=$WASM_OPT)" >&2
fi

# 5. stylesheet and static files
cp style/main.css target/site/pkg/cojudge.css
if [ -d public ]; then
    cp -R public/. target/site/
fi

mkdir -p /out
cp target/release/cojudge /out/cojudge
cp -R target/site /out/site
ls -l /out/cojudge /out/site/pkg
EOF

############################################################################
# Runtime: the binary, the site, CA certificates (TLS to Postgres / the judge model API).
############################################################################
FROM debian:bookworm-slim AS runtime

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --user-group \
        --home-dir /app --no-create-home --shell /usr/sbin/nologin cojudge \
 && mkdir -p /data/exports && chown cojudge:cojudge /data/exports

COPY --from=builder /out/cojudge /usr/local/bin/cojudge
COPY --from=builder /out/site /app/site

# Without DATABASE_URL the binary would start a Postgres of its own: always set it here.
ENV COJUDGE_SITE_ROOT=/app/site \
    COJUDGE_EXPORT_DIR=/data/exports \
    COJUDGE_HOST=0.0.0.0 \
    COJUDGE_PORT=3000 \
    RUST_LOG=info

WORKDIR /app
USER cojudge
EXPOSE 3000

# No curl in the image: bash's /dev/tcp speaks just enough HTTP. Only meaningful for
# `serve`; docker-compose.yml disables it for the one-shot `migrate` service.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${COJUDGE_PORT:-3000} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["cojudge"]
CMD ["serve"]
