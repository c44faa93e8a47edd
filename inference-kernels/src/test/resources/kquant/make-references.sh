#!/usr/bin/env bash
# Regenerates the llama.cpp references in this directory (run from inference-kernels/, takes the shared build lock):
#   1. llama-quantize ../../shared/models/tinystories-23m-f16.gguf target/kquant/tinystories-23m-TYPE.gguf TYPE
#   2. llama-logits-dump -m that file -t 2 --no-prompt-logits, prompt "" for 200 tokens and "Once upon a time" for 100,
#      once with llama.cpp's defaults (flash attention, F16 KV: run "default") and once with --kv f32 --fa off
#      (run "f32kv_nofa"), as ../shared/models/kquant/*.reference.json were made
#   3. keeps, per run, prompt_tokens, generated_tokens and gen_margins in TYPE.reference.json
# llama.cpp build d32676d77 (../shared/tools/llama.cpp). The .gguf files are not committed: KQuantModelsTest makes them
# again with step 1 (the output of llama-quantize is deterministic).
set -euo pipefail
BIN=${LLAMA_BIN:-../../shared/tools/llama.cpp/bin}
SRC=../../shared/models/tinystories-23m-f16.gguf
OUT=target/kquant
HERE=src/test/resources/kquant
mkdir -p "$OUT/lib" "$OUT/ref"
# The shared copy stores the libraries' symlinks as small text files naming their targets: link them properly.
for f in "$BIN"/*.so*; do
  if [ "$(stat -c %s "$f")" -lt 100 ]; then ln -sf "$(cd "$BIN" && pwd)/$(cat "$f")" "$OUT/lib/$(basename "$f")"; fi
done
export LD_LIBRARY_PATH=$(cd "$OUT/lib" && pwd)
for T in Q2_K Q3_K_M Q4_0 Q4_1 Q5_0 Q5_1 Q6_K; do
  M=$OUT/tinystories-23m-$T.gguf
  flock /tmp/helper-build.lock "$BIN/llama-quantize" "$SRC" "$M" "$T" > "$OUT/$T.quantize.log" 2>&1
  for RUN in default f32kv_nofa; do
    EXTRA=()
    if [ "$RUN" = f32kv_nofa ]; then EXTRA=(--kv f32 --fa off); fi
    flock /tmp/helper-build.lock "$BIN/llama-logits-dump" -m "$M" -t 2 --no-prompt-logits -p "" -n 200 "${EXTRA[@]}" \
      -o "$OUT/ref/$T.bos200.$RUN" > /dev/null 2>&1
    flock /tmp/helper-build.lock "$BIN/llama-logits-dump" -m "$M" -t 2 --no-prompt-logits -p "Once upon a time" -n 100 \
      "${EXTRA[@]}" -o "$OUT/ref/$T.once100.$RUN" > /dev/null 2>&1
  done
  python3 - "$T" "$OUT" "$HERE" "$M" <<'PY'
import collections, hashlib, json, sys
t, out, here, model = sys.argv[1:]
data = open(model, 'rb').read()
ref = collections.OrderedDict()
ref['type'] = t
ref['made_by'] = 'llama-quantize tinystories-23m-f16.gguf OUT %s (llama.cpp d32676d77); llama-logits-dump -t 2 (default) and --kv f32 --fa off (f32kv_nofa)' % t
ref['sha256'] = hashlib.sha256(data).hexdigest()
ref['size'] = len(data)
runs = collections.OrderedDict()
for name in ('bos200', 'once100'):
    runs[name] = collections.OrderedDict()
    for run in ('default', 'f32kv_nofa'):
        j = json.load(open('%s/ref/%s.%s.%s.json' % (out, t, name, run)))
        runs[name][run] = collections.OrderedDict([('prompt', j['prompt']), ('n', len(j['generated_tokens'])),
            ('prompt_tokens', j['prompt_tokens']), ('generated_tokens', j['generated_tokens']),
            ('gen_margins', [round(m, 6) for m in j['gen_margins']])])
ref['runs'] = runs
with open('%s/%s.reference.json' % (here, t), 'w') as f:
    json.dump(ref, f, indent=1)
    f.write('\n')
PY
done
