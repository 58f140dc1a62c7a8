# syntax=docker/dockerfile:1
# Build stage: Swift 6.3 toolchain, static Swift standard library.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev libcurl4-openssl-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies in their own layer so source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product sluice --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/sluice" /out/sluice

# Runtime stage: slim Debian, non-root, only what the binary links against.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 libcurl4 ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app --uid 10001 sluice
WORKDIR /app
COPY --from=build /out/sluice /usr/local/bin/sluice
COPY --chown=sluice:sluice manifest ./manifest
USER sluice
ENV SLUICE_HOST=0.0.0.0 \
    SLUICE_PORT=8080 \
    SLUICE_STATE=/app/.sluice/state.sqlite
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${SLUICE_PORT}/healthz" || exit 1
ENTRYPOINT ["sluice"]
CMD ["serve"]
