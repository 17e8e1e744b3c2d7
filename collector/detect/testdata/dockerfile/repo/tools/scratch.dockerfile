FROM golang:1.22@sha256:0b4d5b2e4b0e3bd5e6b8f3c1d2a4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0 AS builder
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -o /migrate ./cmd/migrate

FROM scratch
COPY --from=builder /migrate /migrate
