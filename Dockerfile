# The portal binary on a slim Debian image (used by compose.yaml).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin portal

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/portal portal
COPY --from=build /src/target/release/portal /usr/local/bin/portal
USER portal
WORKDIR /var/lib/portal
EXPOSE 8080
ENTRYPOINT ["portal"]
CMD ["serve"]
