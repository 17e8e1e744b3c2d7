# syntax=docker/dockerfile:1
# uptake's image: a static binary on distroless, running as non-root.
#   docker build -t uptake .
# The `demo` stage is the demo organisation generator deploy/docker-compose.yml uses.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# VERSION defaults to the VERSION file, as `make build` does.
ARG VERSION
ARG REVISION=unknown
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    VERSION="${VERSION:-$(cat VERSION)}" && \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION} -X github.com/prometheus/common/version.Revision=${REVISION} -X github.com/prometheus/common/version.Branch=main" \
      -o /out/uptake ./cmd/uptake && \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/uptake-demo ./cmd/uptake-demo && \
    mkdir -p /out/empty

FROM gcr.io/distroless/static-debian12:nonroot AS demo
COPY --from=build /out/uptake-demo /usr/local/bin/uptake-demo
# Owned by the non-root user, so a fresh volume mounted here is writable.
COPY --from=build --chown=65532:65532 /out/empty /demo
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/uptake-demo"]
CMD ["-out", "/demo", "-force"]

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/uptake /usr/local/bin/uptake
# The default --storage.path; owned by the non-root user for the same reason.
COPY --from=build --chown=65532:65532 /out/empty /var/lib/uptake
USER 65532:65532
EXPOSE 9877
ENTRYPOINT ["/usr/local/bin/uptake"]
CMD ["serve", "--config=/etc/uptake/uptake.yml", "--storage.path=/var/lib/uptake"]
