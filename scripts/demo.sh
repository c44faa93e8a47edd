#!/usr/bin/env bash
# The whole chain on the embedded default (one machine, no cluster):
#   Hive (explode_prompts) -> infer --mode score, one run per template (MapReduce, local runner)
#   -> ensemble-train (stacking over the two templates' outputs) -> ensemble-predict -> Hive (publish).
# Usage: scripts/demo.sh [MODEL.gguf] [OUT_DIR]   (builds the jar first if it is missing)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:-${DRAFTHORSE_MODEL:-$here/../shared/models/stories260K.gguf}}"
out="$(mkdir -p "${2:-$here/target/demo}" && cd "${2:-$here/target/demo}" && pwd)"
dh="$here/scripts/drafthorse"
if ! ls "$here"/mapreduce-jobs/target/drafthorse-*.jar >/dev/null 2>&1; then
  (cd "$here" && mvn -B -q -DskipTests package)
fi
rm -rf "$out"/prompts_t* "$out"/scores_t* "$out"/model "$out"/predictions "$out"/report
step() { echo "demo: $*" >&2; }

step "1/5 hive: explode_prompts fans $(wc -l < "$here/examples/stories.tsv") stories into 2 prompt templates"
sed -e "s#\${STORIES}#$here/examples/stories.tsv#g" -e "s#\${OUT}#$out#g" "$here/examples/demo.sql" > "$out/demo.sql"
"$dh" hive -f "$out/demo.sql" >/dev/null

for t in 0 1; do
  step "2/5 infer --mode score on template $t (local MapReduce runner)"
  "$dh" infer --input "$out/prompts_t$t" --output "$out/scores_t$t" -m "$model" --mode score --candidates " happy, sad" >/dev/null
done

step "3/5 ensemble-train: stacking over the two templates' scores, labels for all but 8 rows"
"$dh" ensemble-train --method stacking --inputs "t0=$out/scores_t0,t1=$out/scores_t1" --labels "$here/examples/labels.tsv" \
    --output "$out/model" --report "$out/report" >/dev/null

step "4/5 ensemble-predict: every row"
"$dh" ensemble-predict --model "$out/model" --inputs "t0=$out/scores_t0,t1=$out/scores_t1" --output "$out/predictions" >/dev/null

step "5/5 hive: the predictions as a table, joined to the stories"
sed -e "s#\${STORIES}#$here/examples/stories.tsv#g" -e "s#\${OUT}#$out#g" "$here/examples/publish.sql" > "$out/publish.sql"
"$dh" hive -f "$out/publish.sql"
step "done: outputs under $out (report: $out/report)"
