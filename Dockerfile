# syntax=docker/dockerfile:1
# The image deploy/watch.yaml runs: `kubectl-netscaler` on distroless, as user 65532.
#
#   docker build -t registry.example.net/kubectl-netscaler:0.1.0 .
#   docker run --rm registry.example.net/kubectl-netscaler:0.1.0 --version

# Build: the toolchain the project is tested with, the exact dependency versions of Cargo.lock.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin kubectl-netscaler \
    && install -D -m 0755 target/release/kubectl-netscaler /out/kubectl-netscaler

# Run: glibc and CA certificates only (no shell, no package manager), non-root.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/kubectl-netscaler /usr/local/bin/kubectl-netscaler
USER 65532:65532
EXPOSE 9100
ENTRYPOINT ["/usr/local/bin/kubectl-netscaler"]
CMD ["--help"]
