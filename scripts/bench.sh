#!/usr/bin/env bash
# Produces the figures in BENCHMARKS.md: run on a quiet machine (nothing else on the cores).
#   scripts/bench.sh [OUT_DIR]     (default: target/bench)
#   scripts/bench.sh plots [OUT_DIR]   the issue-14 curves against llama.cpp (see plots() below)
# Builds random-weight 110M-shape models in every type, the F32 widening of the trained target, and an
# extraction-style prompt set from stories260K's own text, then runs each `drafthorse bench` variant,
# then the JMH benchmarks of attention and the matrix kernels (about 15 minutes of the total).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${DRAFTHORSE_SHARED:-$here/../shared}"
dh="$here/scripts/drafthorse"

# `plots`: aggregate decode tok/s against batch size B = 1, 4, 16, 32 (random 110M F32 and Q8_0; ours `bench --batch B`,
# llama.cpp's `llama-batched-bench -npp 32 -ntg 32`), and the speculative speed-up over plain decoding against the
# draft length K = 1, 2, 4, 8 (tinystories-23m F32 target, tinystories-1m draft; ours `bench --draft … --draft-max K
# --fixed`, llama.cpp's `llama-speculative --spec-draft-n-max K` rate over its `llama-bench` tg128 rate). Writes
# OUT_DIR/bench-{batched,speculative}.csv, draws OUT_DIR/bench-{batched,speculative}.png with `drafthorse plot` and
# copies all four to docs/. About 8 minutes on 2 cores; PLOTS_REPS (default 2) sets the repetitions. llama.cpp from
# LLAMA_BIN (default ../shared/tools/llama.cpp/bin; scripts/llama-bin.sh makes target/llama-bin with working library
# links).
plots() {
  local out="$1" reps="${PLOTS_REPS:-2}" threads=2
  local L="${LLAMA_BIN:-$shared/tools/llama.cpp/bin}"
  [ -x "$L/llama-batched-bench" ] \
    || { echo "bench.sh plots: no llama.cpp binaries in LLAMA_BIN=$L (see scripts/llama-bin.sh)" >&2; exit 2; }
  L="$(cd "$L" && pwd)"
  export LD_LIBRARY_PATH="$L${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local M="$shared/models"
  mkdir -p "$out" "$here/docs"
  field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | head -1; }
  # A measurement that fails leaves its cell empty (the chart shows a gap there) and says so on stderr.
  failed() { echo "bench.sh plots: no figure for $1 (its command failed)" >&2; }
  echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg), threads $threads, reps $reps"

  echo "## aggregate decode tok/s against batch size (random 110M, prompt 32, 32 tokens per sequence)"
  local bs="1 4 16 32" t b
  declare -A ours llama
  for t in f32 q8_0; do
    local f="$out/r110m-$t.gguf"
    [ -f "$f" ] || "$dh" random-model --shape 110m --type "$t" -o "$f" 2>/dev/null
    for b in $bs; do
      ours[$t,$b]=$("$dh" bench -m "$f" --threads "$threads" --prompt-tokens 32 --gen-tokens 32 --reps "$reps" --batch "$b" \
                     2>/dev/null | tail -1 | field aggregate_decode || failed "ours, $t, B=$b")
    done
    while read -r b v; do llama[$t,$b]=$v; done < <("$L/llama-batched-bench" -m "$f" -t "$threads" -c 2048 -b 512 -ub 512 \
        -npp 32 -ntg 32 -npl 1,4,16,32 2>/dev/null | awk -F'|' '/^\| +32 +\| +32 +\| +[0-9]+ /{ gsub(/ /,"",$4); gsub(/ /,"",$9); print $4, $9 }')
  done
  local csv="$out/bench-batched.csv"
  echo "batch,ours_f32,llama.cpp_f32,ours_q8_0,llama.cpp_q8_0" > "$csv"
  for b in $bs; do
    echo "$b,${ours[f32,$b]:-},${llama[f32,$b]:-},${ours[q8_0,$b]:-},${llama[q8_0,$b]:-}" >> "$csv"
  done
  cat "$csv"

  echo "## speculative speed-up over plain decoding against draft length (tinystories-23m F32 + tinystories-1m, 128 tokens)"
  printf 'Once upon a time\nTom and his dog\n' > "$out/story-prompts.txt"
  local target="$out/tinystories-23m-f32.gguf" draft="$M/tinystories-1m.gguf" k line
  [ -f "$target" ] || "$dh" convert -m "$M/tinystories-23m-f16.gguf" --type f32 -o "$target" 2>/dev/null
  local lplain
  lplain=$("$L/llama-bench" -m "$target" -t "$threads" -p 0 -n 128 -r 3 -o json 2>/dev/null \
           | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.1f" % r[0]["avg_ts"])' 2>/dev/null \
           || failed "llama-bench tg128 on the target")
  csv="$out/bench-speculative.csv"
  echo "draft_max,ours_speedup,llama.cpp_speedup,ours_tok_s,ours_plain_tok_s,llama.cpp_tok_s,llama.cpp_plain_tok_s" > "$csv"
  for k in 1 2 4 8; do
    line=$("$dh" bench -m "$target" --threads "$threads" --prompt-tokens 16 --gen-tokens 128 --reps "$reps" \
           --prompts "$out/story-prompts.txt" --draft "$draft" --draft-max "$k" --fixed 2>/dev/null | grep speculative_decode \
           || failed "ours, speculative K=$k")
    local osp orate oplain tot=0 n=0 p s lrate lsp
    osp=$(echo "$line" | field speedup); orate=$(echo "$line" | field speculative_decode); oplain=$(echo "$line" | field plain_decode)
    while read -r p; do
      s=$("$L/llama-speculative" -m "$target" -md "$draft" -p "$p" -n 128 --spec-draft-n-max "$k" -t "$threads" -td "$threads" \
            --temp 0 -c 512 2>&1 | sed -n 's/.*decoded.*speed: *\([0-9.]*\) t\/s.*/\1/p' | head -1 \
            || failed "llama-speculative K=$k")
      tot=$(awk -v a="$tot" -v b="${s:-0}" 'BEGIN{print a+b}'); n=$((n+1))
    done < "$out/story-prompts.txt"
    lrate=$(awk -v a="$tot" -v n="$n" 'BEGIN{ if (a > 0) printf "%.1f", a/n }')
    lsp=$(awk -v a="${lrate:-0}" -v b="${lplain:-0}" 'BEGIN{ if (a > 0 && b > 0) printf "%.2f", a/b }')
    echo "$k,${osp:-},${lsp:-},${orate:-},${oplain:-},${lrate:-},${lplain:-}" >> "$csv"
  done
  cat "$csv"

  "$dh" plot --csv "$out/bench-batched.csv" --x batch --y ours_f32,llama.cpp_f32,ours_q8_0,llama.cpp_q8_0 --log-x \
      --title "Aggregate decode, random 110M, $threads threads (prompt 32, 32 tokens per sequence)" \
      --x-label "batch size B (sequences)" --y-label "aggregate decode tok/s" -o "$out/bench-batched.png"
  "$dh" plot --csv "$out/bench-speculative.csv" --x draft_max --y ours_speedup,llama.cpp_speedup --log-x \
      --title "Speculative speed-up, tinystories-23m F32 + tinystories-1m draft, $threads threads" \
      --x-label "draft length K (fixed)" --y-label "speed-up over plain decoding (x)" -o "$out/bench-speculative.png"
  cp "$out"/bench-{batched,speculative}.{csv,png} "$here/docs/"
  echo "plots: wrote $here/docs/bench-{batched,speculative}.{csv,png} (and in $out)"
}
if [ "${1:-}" = plots ]; then
  plots "${2:-$here/target/plots}"
  exit 0
fi

out="${1:-$here/target/bench}"
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
