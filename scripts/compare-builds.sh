#!/usr/bin/env bash
# This build against another checkout's build (e.g. the commit before a change), alternately, on the same files:
#   scripts/compare-builds.sh OTHER_CHECKOUT [FILE.gguf ...]
# Build both first (mvn -B -DskipTests package in each). Prints prefill/decode tok/s of both per run.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
other="${1:?usage: compare-builds.sh OTHER_CHECKOUT [FILE.gguf ...]}"; shift
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=("$here"/target/sidebyside/r110m-f32.gguf "$here"/target/sidebyside/r110m-q8_0.gguf "$here"/target/sidebyside/r110m-q4_0.gguf
         "$here"/../shared/models/tinystories-23m-f16.gguf "$here"/../shared/models/tinystories-23m-q8_0.gguf)
fi
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -o -m1 avx512f /proc/cpuinfo || echo no-avx512), load $(cut -d' ' -f1-3 /proc/loadavg)"
for f in "${files[@]}"; do
  for rep in 1 2; do
    old=$("$other"/scripts/drafthorse bench -m "$f" --threads 2 --prompt-tokens 128 --gen-tokens 64 --reps 3 2>/dev/null | tail -1)
    new=$("$here"/scripts/drafthorse bench -m "$f" --threads 2 --prompt-tokens 128 --gen-tokens 64 --reps 3 2>/dev/null | tail -1)
    printf '%-28s prefill128 before=%s after=%s  decode64 before=%s after=%s\n' "$(basename "$f")" \
      "$(echo "$old" | field 'prefill(128)')" "$(echo "$new" | field 'prefill(128)')" \
      "$(echo "$old" | field 'decode(64)')" "$(echo "$new" | field 'decode(64)')"
  done
done
