ARG NODE_IMAGE
ARG REGISTRY=registry.acme.io
ARG BASE_TAG

# The node image comes from CI; fall back to the LTS.
FROM ${NODE_IMAGE:-node:20.11-bookworm-slim} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM \
    # pinned by Renovate
    $REGISTRY/base/node:${BASE_TAG} \
    AS runtime
COPY <<EOF /etc/motd
FROM here on, only the runtime image
EOF
COPY --from=deps /app/node_modules ./node_modules

from ${NODE_IMAGE} as lint

FROM "$REGISTRY/tools/scanner@sha256:3e1f0c1e2f5a7b9c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c" AS scan
