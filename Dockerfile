# Hindsight: one image for the server (gRPC API and web console) and the worker.
# Build: docker build -t hindsight --build-arg HINDSIGHT_GIT_COMMIT=$(git rev-parse HEAD) .
# Run: docker run hindsight server | worker (docker-compose.yml wires the whole stack).

# glibc images throughout: the worker's DuckDB (@duckdb/node-api) and Temporal's native bridge
# ship glibc builds.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# What `make build` does: the protobuf code, the TypeScript build, the workflows bundled once
# (workers then start without webpack), and the console's browser bundle.
RUN npx buf generate \
    && npx buf build --as-file-descriptor-set -o gen/descriptors.binpb \
    && npx tsc -p tsconfig.build.json \
    && node dist/runtime/bundleWorkflows.js \
    && npx esbuild web/src/main.ts --bundle --format=esm --target=es2022 --minify --sourcemap \
       --log-level=warning --outfile=dist/web/app.js

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# dist/: the build with dist/workflow-bundle.js and dist/web/app.js; gen/descriptors.binpb: the
# descriptors reflection serves, byte for byte as buf built them; proto/: marks the project's
# folder; web/: the console's index.html and style.css.
COPY --from=build /app/dist ./dist
COPY --from=build /app/gen/descriptors.binpb ./gen/descriptors.binpb
COPY proto ./proto
COPY bin ./bin
COPY web ./web
# The demo project, which server and worker load when HINDSIGHT_PROJECT names none.
COPY examples/work-orders ./examples/work-orders
# A data folder the node user can write: the worker's scratch files (HINDSIGHT_WORK_DIR).
RUN mkdir -p /var/lib/hindsight/work && chown -R node:node /var/lib/hindsight
ENV HINDSIGHT_DATA_DIR=/var/lib/hindsight \
    HINDSIGHT_WORK_DIR=/var/lib/hindsight/work
# The code's commit for lineage tags (the image has no git).
ARG HINDSIGHT_GIT_COMMIT=
ENV HINDSIGHT_GIT_COMMIT=${HINDSIGHT_GIT_COMMIT}
USER node
# 50051: gRPC API; 8080: web console and its JSON API.
EXPOSE 50051 8080
ENTRYPOINT ["node", "bin/hindsight.js"]
CMD ["server"]
