#!/usr/bin/env bash
# Regenerates llama.cpp's constrained greedy outputs in this directory (run from the repository root; takes the
# shared build lock). llama.cpp build 9749 (../shared/tools/llama.cpp), tinystories-23m-f16.gguf, temperature 0,
# F32 KV cache and no flash attention (the settings closest to our engine), 2 threads, 80 tokens, prompt
# "Once upon a time" (BOS added). Each CASE.llama.txt holds the generated text only (the prompt is not displayed),
# without llama.cpp's " [end of text]" marker; CASE.llama.eos says whether generation ended with end-of-text.
#   grammars: llama-completion --grammar-file CASE.gbnf
#   schemas:  llama-completion --json-schema-file CASE.schema.json
set -euo pipefail
BIN=$(scripts/llama-bin.sh)
export LD_LIBRARY_PATH=$BIN
HERE=inference-kernels/src/test/resources/grammar
MODEL=../shared/models/tinystories-23m-f16.gguf
for f in "$HERE"/*.gbnf "$HERE"/*.schema.json; do
  case "$f" in
    *.gbnf) name=$(basename "$f" .gbnf); arg=(--grammar-file "$f") ;;
    *) name=$(basename "$f" .schema.json); arg=(--json-schema-file "$f") ;;
  esac
  flock /tmp/helper-build.lock "$BIN/llama-completion" -m "$MODEL" -p "Once upon a time" -n 80 --temp 0 -t 2 \
    -fa off -ctk f32 -ctv f32 --no-display-prompt -no-cnv --no-warmup "${arg[@]}" > "$HERE/$name.out" 2> /dev/null
  python3 - "$HERE/$name.out" "$HERE/$name.llama.txt" "$HERE/$name.llama.eos" <<'PY'
import sys
raw = open(sys.argv[1], encoding='utf-8').read()
eos = raw.rstrip('\n').endswith(' [end of text]')
if eos:
    raw = raw[:raw.rindex(' [end of text]')]
open(sys.argv[2], 'w', encoding='utf-8').write(raw)
open(sys.argv[3], 'w').write('true\n' if eos else 'false\n')
PY
  rm "$HERE/$name.out"
done
