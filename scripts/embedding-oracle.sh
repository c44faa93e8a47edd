#!/usr/bin/env bash
# Records llama.cpp's sentence embeddings (llama-embedding, build 9749 d32676d77 in ../shared/tools/llama.cpp) for
# tinystories-23m-f16 and the tiny models of ../shared/models/arch, as the oracle of EmbeddingReferenceTest:
# inference-kernels/src/test/resources/embed/MODEL.json. Re-running it rewrites the same files.
#
# Per model, the three TEXTS below go in one call (one sequence each, the prompt split at newlines) for every pooling:
#   llama-embedding -m MODEL.gguf -p "$TEXTS" --pooling P --embd-normalize 2 --embd-output-format json \
#       -fa off -ctk f32 -ctv f32 -t 2
# (F32 KV cache and no flash attention: the arithmetic our default F32 KV cache does; llama.cpp's defaults, F16 KV and
# flash attention, are recorded as "mean_default_kv" for comparison). Also "mean_raw": --embd-normalize -1 (no
# normalization), and for llama_tied_gqa "none": one L2-normalized vector per token (what llama-embedding gives for a
# llama model whose GGUF has no pooling_type key and no --pooling).
# The texts are tokenized as llama-embedding does: BOS (and EOS) as the vocabulary says, special tokens parsed (these
# texts contain none).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$("$here/scripts/llama-bin.sh")"
export LD_LIBRARY_PATH="$bin"
models="$here/../shared/models"
out="$here/inference-kernels/src/test/resources/embed"
mkdir -p "$out"
TEXTS="Once upon a time, there was a little girl named Lily.
The cat sat on the mat and looked at the big red sun.
Tom and his dog ran to the park to play with a ball."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# llama-embedding prints its JSON through llama.cpp's asynchronous logger, whose worker thread may be cut off when the
# process exits (stdout then ends mid-array, exit code 0); so a run counts only when its output parses whole, and is
# repeated otherwise (the numbers are deterministic: a complete output is the same every time).
run() { # model-path name extra-args...
  local m="$1" name="$2"
  shift 2
  for attempt in $(seq 1 30); do
    "$bin/llama-embedding" -m "$m" -p "$TEXTS" --embd-output-format json -t 2 "$@" 2>"$tmp/err" >"$tmp/$name.json" \
      || { cat "$tmp/err" >&2; exit 1; }
    if python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["data"]; assert len(d) >= 3' "$tmp/$name.json" 2>/dev/null; then
      return 0
    fi
  done
  echo "llama-embedding gave no complete output in 30 runs: $m $*" >&2
  exit 1
}

for m in "$models/tinystories-23m-f16.gguf" "$models"/arch/*.gguf; do
  base="$(basename "$m" .gguf)"
  exact=(-fa off -ctk f32 -ctv f32)
  for p in mean last cls; do
    run "$m" "$p" --pooling "$p" --embd-normalize 2 "${exact[@]}"
  done
  run "$m" mean_raw --pooling mean --embd-normalize -1 "${exact[@]}"
  run "$m" mean_default_kv --pooling mean --embd-normalize 2
  kinds="mean last cls mean_raw mean_default_kv"
  if [ "$base" = llama_tied_gqa ]; then
    run "$m" none --embd-normalize 2 "${exact[@]}"
    kinds="$kinds none"
  fi
  python3 - "$tmp" "$out/$base.json" "$(basename "$m")" "$TEXTS" $kinds <<'EOF'
import json, sys
tmp, dest, model, texts, kinds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
doc = {
    "model": model,
    "llama_cpp": "9749 (d32676d77)",
    "command": "llama-embedding -m MODEL -p TEXTS(joined by newlines) --pooling P --embd-normalize 2 "
               "--embd-output-format json -fa off -ctk f32 -ctv f32 -t 2 (see scripts/embedding-oracle.sh)",
    "texts": texts.split("\n"),
}
for k in kinds:
    data = json.load(open(f"{tmp}/{k}.json"))["data"]
    doc[k] = [d["embedding"] for d in sorted(data, key=lambda d: d["index"])]
with open(dest, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")
EOF
  echo "$out/$base.json"
done
