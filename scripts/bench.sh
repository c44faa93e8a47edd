#!/usr/bin/env bash
# Produces the figures in BENCHMARKS.md: run on a quiet machine (nothing else on the cores).
#   scripts/bench.sh [OUT_DIR]     (default: target/bench)
# Builds random-weight 110M-shape models in every type, the F32 widening of the trained target, and an
# extraction-style prompt set from stories260K's own text, then runs each `drafthorse bench` variant,
# then the JMH benchmarks of attention and the matrix kernels (about 15 minutes of the total).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/target/bench}"
shared="${DRAFTHORSE_SHARED:-$here/../shared}"
dh="$here/scripts/drafthorse"
# The JMH benchmarks (benchmarks/README.md), run last: their jar is built by the same `mvn -B -DskipTests package`.
jmh="$here/benchmarks/target/benchmarks.jar"
if [ ! -f "$jmh" ]; then
  echo "bench.sh: $jmh is not built; run: mvn -B -DskipTests package" >&2
  exit 1
fi
mkdir -p "$out"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"

for t in f32 f16 q8_0 q4_0; do
  [ -f "$out/r110m-$t.gguf" ] || "$dh" random-model --shape 110m --type "$t" -o "$out/r110m-$t.gguf" 2>/dev/null
done
[ -f "$out/tinystories-23m-f32.gguf" ] || "$dh" convert -m "$shared/models/tinystories-23m-f16.gguf" --type f32 -o "$out/tinystories-23m-f32.gguf" 2>/dev/null

echo "## engine: 110M shape, 2 threads, prefill 128 / decode 64"
for t in f32 f16 q8_0 q4_0; do
  "$dh" bench -m "$out/r110m-$t.gguf" --threads 2 --prompt-tokens 128 --gen-tokens 64 --reps 5 2>/dev/null
done

echo "## batched decoding: 16 sequences vs 1 (110M F32 and Q8_0)"
for t in f32 q8_0; do
  "$dh" bench -m "$out/r110m-$t.gguf" --threads 2 --prompt-tokens 32 --gen-tokens 32 --reps 3 --batch 16 2>/dev/null | tail -1
done

echo "## draft = the target quantized to Q4_0 (110M F32 random weights, greedy)"
"$dh" bench -m "$out/r110m-f32.gguf" --threads 2 --prompt-tokens 16 --gen-tokens 64 --reps 3 --draft "$out/r110m-q4_0.gguf" --draft-max 6 2>/dev/null | tail -1

echo "## trained pair: tinystories-23m target, tinystories-1m draft, 128 tokens (memory-bound F32/F16, cache-resident Q8_0)"
printf 'Once upon a time\nTom and his dog\n' > "$out/story-prompts.txt"
for m in "$out/tinystories-23m-f32.gguf" "$shared/models/tinystories-23m-f16.gguf" "$shared/models/tinystories-23m-q8_0.gguf"; do
  "$dh" bench -m "$m" --threads 2 --prompt-tokens 16 --gen-tokens 128 --reps 3 --prompts "$out/story-prompts.txt" \
      --draft "$shared/models/tinystories-1m.gguf" --draft-max 8 2>/dev/null | tail -1
done

echo "## n-gram lookup on extraction-style prompts (a stories260K story, then its opening to continue)"
python3 - "$shared/models" "$out/extract-prompts.txt" <<'PY'
import sys, pathlib
ref = [pathlib.Path(sys.argv[1], f).read_text().strip() for f in ("stories260K.greedy.bos.200.txt", "stories260K.greedy.sun.120.txt")]
lines = []
for story in ref:
    flat = " ".join(story.split())
    for cut in (6, 12, 20):
        words = flat.split()
        lines.append(flat + " Again: " + " ".join(words[:cut]))
pathlib.Path(sys.argv[2]).write_text("\n".join(lines) + "\n")
PY
"$dh" bench -m "$shared/models/stories260K.gguf" --threads 2 --prompt-tokens 16 --gen-tokens 64 --reps 3 \
    --prompts "$out/extract-prompts.txt" --lookup --draft-max 8 2>/dev/null | tail -1
"$dh" bench -m "$shared/models/tinystories-23m-f16.gguf" --threads 2 --prompt-tokens 16 --gen-tokens 64 --reps 3 \
    --prompts "$out/extract-prompts.txt" --lookup --draft-max 8 2>/dev/null | tail -1

echo "## attention: tiled vs plain (JMH, 8 heads x 64, F32 store, 2 threads; us per call)"
java -jar "$jmh" AttentionBenchmark -p heads=8 -p kvHeads=8 -p threads=2 -foe true 2>/dev/null | sed -n '/^Benchmark /,$p'

echo "## kernels: Matmul.matmul per weight format, 110M shapes, T = 1 and 128, 1 and 2 threads (JMH; us per product)"
java -jar "$jmh" MatmulBenchmark -foe true 2>/dev/null | sed -n '/^Benchmark /,$p'
