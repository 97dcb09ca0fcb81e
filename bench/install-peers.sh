#!/usr/bin/env bash
# Installs the peer gateways the peers benchmark runs beside Gateway v3, into .tools/bench-peers/ (never
# into the project): LiteLLM's proxy from PyPI into a venv, Portkey's gateway from npm. Idempotent.
#   bench/install-peers.sh [litellm] [portkey]    (no argument: both)
#   LITELLM_VERSION (default 1.108.*), PORTKEY_VERSION (default 1.15.2)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.tools/bench-peers"
LITELLM_VERSION="${LITELLM_VERSION:-1.108.*}"
PORTKEY_VERSION="${PORTKEY_VERSION:-1.15.2}"
mkdir -p "$DEST"
WANT="${*:-litellm portkey}"
[ -x "$ROOT/.tools/node/bin/node" ] && export PATH="$ROOT/.tools/node/bin:$PATH"

if [[ " $WANT " == *" litellm "* ]] && [ ! -x "$DEST/litellm-venv/bin/litellm" ]; then
  echo "[peers] installing litellm[proxy]==$LITELLM_VERSION (PyPI) into $DEST/litellm-venv" >&2
  python3 -m venv "$DEST/litellm-venv"
  "$DEST/litellm-venv/bin/pip" install --quiet --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION"
fi

if [[ " $WANT " == *" portkey "* ]] && [ ! -f "$DEST/portkey/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
  echo "[peers] installing @portkey-ai/gateway@$PORTKEY_VERSION (npm) into $DEST/portkey" >&2
  mkdir -p "$DEST/portkey"
  # Later @hono/node-server versions throw `TypeError: immutable` in updateHeaders when Portkey streams from
  # a custom host (Portkey-AI/gateway#1389): pin the version Portkey was built against.
  cat >"$DEST/portkey/package.json" <<JSON
{ "name": "portkey-bench-arm", "private": true, "dependencies": { "@portkey-ai/gateway": "$PORTKEY_VERSION" }, "overrides": { "@hono/node-server": "1.13.8" } }
JSON
  (cd "$DEST/portkey" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "$DEST"
