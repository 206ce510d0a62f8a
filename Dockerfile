# Multi-stage build: the toolchain stays in the first stage; the image that runs
# has the binary, CA certificates and nothing else, and runs as a non-root user.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends cmake \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --profile production --locked --bin portcullis \
    && install -m 0755 target/production/portcullis /portcullis \
    && mkdir -m 0700 /data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /portcullis /usr/local/bin/portcullis
COPY --from=build --chown=65532:65532 /data /data
# Keys, an SQLite file and the outbox go to /data: mount a volume there.
WORKDIR /data
ENV PORTCULLIS__SERVER__BIND=0.0.0.0:8080 \
    PORTCULLIS__METRICS__BIND=0.0.0.0:9464 \
    PORTCULLIS__KEYS__DIR=/data/keys \
    PORTCULLIS__LOG__FORMAT=json
EXPOSE 8080 9464
USER nonroot
ENTRYPOINT ["/usr/local/bin/portcullis"]
CMD ["serve"]
