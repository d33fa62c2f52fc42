# syntax=docker/dockerfile:1
#
# One image for both roles: `docker run wharf ingress` or `docker run wharf worker`.
#
# The image runs the TypeScript sources as they are, through Node.js 24's type
# stripping, exactly as the tests and `npx wharf` run them: the same files, the
# same stack traces, no second entry point to keep in step (bin/wharf.js
# imports src/cli/main.ts). `npm run build` stays available for those who want
# JavaScript, but nothing here needs it.
#
# The base image is pinned by digest, so that a build takes the image that was
# reviewed, not whatever the tag points at that day. The digest is the
# multi-platform index of node:24.21.0-bookworm-slim (amd64, arm64, ppc64le) as
# docker-library/repo-info lists it (repos/node/remote/24.21.0-bookworm-slim.md,
# built 19 Sep 2026). To move on: docker buildx imagetools inspect
# node:24-bookworm-slim, then change both the tag and the digest here (a tag is
# rebuilt for Debian fixes under the same name; only the digest is immutable).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

# Stage 1: production dependencies only. The `node` devDependency (the Node.js
# 24 that npm installs for development) is not installed: the image's own
# Node.js 24 runs Wharf. No production dependency needs an install script
# (protobufjs's only checks versions), so none is run.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

# Stage 2: the runtime, without npm's cache or anything the build used.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Root owns the files and the process cannot write them: the application
# only reads its sources and Avro schemas.
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY avro ./avro
COPY src ./src
# The official image's `node` user, by number so that Kubernetes can check
# runAsNonRoot without resolving a name.
USER 1000:1000
# The ingress's HTTP port and the worker's metrics and health port (defaults).
EXPOSE 8080 9091
# Node.js is PID 1 and handles SIGTERM itself (stop accepting, drain, exit).
ENTRYPOINT ["node", "bin/wharf.js"]
CMD ["ingress"]
