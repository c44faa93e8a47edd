#!/usr/bin/env bash
# The whole Drafthorse chain on one machine (no cluster, nothing installed beyond Java 17 and the build):
#   data     a labelled set made by the project itself: stories260K writes stories, the first plain sentence of each is
#            kept, every second one has its words shuffled (label natural|shuffled), one row in five is held out
#   hive     oozie/app/create-prompts.sql in the in-process Hive: explode_prompts makes two prompt templates per row
#   infer    `infer --mode score` per template, each with its own model (Hadoop's local job runner)
#   train    `ensemble-train` with bagging, boosting and stacking, plus the evaluation report (every member, every ensemble)
#   predict  `ensemble-predict` with each of the three models
#   publish  oozie/app/publish-predictions.sql in the in-process Hive: one partition per method, one row per held-out row
# The hive and publish steps run the very files the Oozie workflow's hive2 actions run; infer/train/predict take the
# arguments its java actions take (candidates from oozie/job.properties).
#
# usage: scripts/demo.sh [--out DIR] [--model-t0 GGUF] [--model-t1 GGUF] [--generator GGUF] [--methods "M1 M2 ..."]
#   --out DIR        where everything goes (default target/demo); a rerun replaces every output with the same bytes
#   --model-t0/-t1   the models scoring template 0 / 1 (default examples/models/stories260K.gguf and tinystories-1m.gguf;
#                    any GGUF model of an architecture the engine runs; also DRAFTHORSE_MODEL_T0 / DRAFTHORSE_MODEL_T1)
#   --generator      the model whose stories make the data set (default stories260K)
#   --methods        ensemble methods to train and publish (default "bagging boosting stacking")
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models="$here/examples/models"
out="$here/target/demo"
model_t0="${DRAFTHORSE_MODEL_T0:-$models/stories260K.gguf}"
model_t1="${DRAFTHORSE_MODEL_T1:-$models/tinystories-1m.gguf}"
generator="${DRAFTHORSE_GENERATOR:-$models/stories260K.gguf}"
methods="bagging boosting stacking"
usage() { sed -n '/^# usage:/,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --model-t0) model_t0="${2:?--model-t0 needs a GGUF file}"; shift 2 ;;
    --model-t1) model_t1="${2:?--model-t1 needs a GGUF file}"; shift 2 ;;
    --generator) generator="${2:?--generator needs a GGUF file}"; shift 2 ;;
    --methods) methods="${2:?--methods needs a list}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "demo: unknown argument '$1'" >&2; usage ;;
  esac
done
for m in $methods; do
  case "$m" in bagging|boosting|stacking) ;; *) echo "demo: --methods: '$m' is not bagging, boosting or stacking" >&2; exit 2 ;; esac
done
for f in "$model_t0" "$model_t1" "$generator"; do
  [ -f "$f" ] || { echo "demo: model $f not found (point --model-t0/--model-t1/--generator at GGUF files)" >&2; exit 2; }
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
dh="$here/scripts/drafthorse"
app="$here/oozie/app"
# The java actions' --candidates, from the same properties file the workflow is submitted with.
candidates="$(sed -n 's/^candidates=//p' "$here/oozie/job.properties")"
day=demo
start=$(date +%s)
stage() { printf 'demo [%3ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }
# Each step's stderr goes to a log; on failure the log's end is shown.
run() {
  local log="$out/logs/$1.log"; shift
  if ! "$@" 2>"$log"; then
    echo "demo: step failed: $*" >&2
    tail -n 30 "$log" >&2
    echo "demo: (whole log: $log)" >&2
    exit 1
  fi
}

if ! ls "$here"/mapreduce-jobs/target/drafthorse-*.jar >/dev/null 2>&1 || [ ! -f "$here/hive-udtf/target/classpath.txt" ]; then
  stage "building (mvn -B -DskipTests package)"
  (cd "$here" && mvn -B -q -DskipTests package)
fi
rm -rf "$out/logs" && mkdir -p "$out/logs"

# --- 1. data ---------------------------------------------------------------------------------------------------------
stage "1/6 data: $(basename "$generator") writes 120 stories (seed 7); first plain sentence of each, every second shuffled"
rm -rf "$out/data" && mkdir -p "$out/data"
starters=("Once upon a time" "One day" "Lily" "Tom" "The cat" "Sue" "The sun" "Ben" "Mom" "The little bird" "Max" "The dog")
for i in $(seq 0 119); do printf 's%03d\t%s\n' "$i" "${starters[$((i % 12))]}"; done > "$out/data/story-prompts.tsv"
run generate "$dh" infer --input "$out/data/story-prompts.tsv" --output "$out/data/stories" -m "$generator" \
    --mode generate -n 64 --temperature 0.8 --seed 7 --format tsv
awk -f "$here/examples/make-sentences.awk" "$out/data/story-prompts.tsv" "$out/data/stories"/part-* > "$out/data/rows.tsv"
mkdir -p "$out/data/sentences" "$out/data/labels" "$out/data/truth"
cut -f1,2 "$out/data/rows.tsv" > "$out/data/sentences/part-00000"
touch "$out/data/sentences/_SUCCESS"
# One row in five is held out: no label for training, its truth kept aside for the final table.
{ printf 'id\tlabel\n'; awk -F'\t' -v OFS='\t' 'NR % 5 != 0 { print $1, $3 }' "$out/data/rows.tsv"; } > "$out/data/labels/labels.tsv"
awk -F'\t' -v OFS='\t' 'NR % 5 == 0 { print $1, $3 }' "$out/data/rows.tsv" > "$out/data/truth/part-00000"
rows=$(wc -l < "$out/data/rows.tsv"); held=$(wc -l < "$out/data/truth/part-00000")
stage "      $rows rows ($(grep -c $'\tnatural$' "$out/data/rows.tsv") natural), $((rows - held)) labelled, $held held out: $out/data"

# The hive2 actions' <param> values, as Hive variables; the in-process Hive keeps its metastore under $out/hive.
hive_vars() {
  printf 'SET hivevar:%s=%s;\n' DB drafthorse INPUT "file://$out/data/sentences" PROMPTS "file://$out/prompts" \
    LABELS "file://$out/data/labels" TABLE predictions DAY "$day" "$@"
}

# --- 2. hive: prompts ------------------------------------------------------------------------------------------------
stage "2/6 hive: explode_prompts, two templates per row (oozie/app/create-prompts.sql)"
rm -rf "$out/prompts"
{ hive_vars; cat "$app/create-prompts.sql"; } > "$out/logs/create-prompts.sql"
run hive-prompts "$dh" hive --metastore "$out/hive" -f "$out/logs/create-prompts.sql"

# --- 3. infer --------------------------------------------------------------------------------------------------------
rm -rf "$out/scores"
for t in t0 t1; do
  model=$([ "$t" = t0 ] && echo "$model_t0" || echo "$model_t1")
  stage "3/6 infer --mode score, template $t, $(basename "$model") (local MapReduce runner)"
  run "infer-$t" "$dh" infer --input "$out/prompts/$t" --output "$out/scores/$t" -m "$model" --mode score --candidates "$candidates"
done
inputs="t0=$out/scores/t0,t1=$out/scores/t1"

# --- 4. train --------------------------------------------------------------------------------------------------------
rm -rf "$out/models" "$out/report"
# The stacking run (or the first method's) also writes the evaluation report: every member alone and every ensemble,
# trained on 80% of the labelled rows and scored on the rest (the saved model still learns from all of them).
report_method=stacking
case " $methods " in *" stacking "*) ;; *) report_method="${methods%% *}" ;; esac
for m in $methods; do
  extra=()
  if [ "$m" = "$report_method" ]; then
    extra=(--report "$out/report")
    stage "4/6 ensemble-train --method $m, with the evaluation report of every member and every ensemble"
  else
    stage "4/6 ensemble-train --method $m"
  fi
  run "train-$m" "$dh" ensemble-train --method "$m" --inputs "$inputs" --labels "$out/data/labels" --output "$out/models/$m.model" \
      ${extra[@]+"${extra[@]}"} >/dev/null
done
sed 's/^/      /' "$out/report/evaluation.txt" >&2

# --- 5. predict ------------------------------------------------------------------------------------------------------
rm -rf "$out/predictions"
for m in $methods; do
  stage "5/6 ensemble-predict with the $m model"
  run "predict-$m" "$dh" ensemble-predict --model "$out/models/$m.model" --inputs "$inputs" --output "$out/predictions/$m"
done

# --- 6. hive: publish ------------------------------------------------------------------------------------------------
stage "6/6 hive: publish each method's predictions of the held-out rows (oozie/app/publish-predictions.sql), then print"
cols=""
for m in $methods; do
  cols="$cols, max(if(p.method = '$m', concat(p.label, ' ', cast(round(p.probability, 2) AS STRING)), NULL)) AS $m"
done
{
  for m in $methods; do
    hive_vars PREDICTIONS "file://$out/predictions/$m" METHOD "$m"
    cat "$app/publish-predictions.sql"
    echo
  done
  cat <<SQL
DROP TABLE IF EXISTS truth_in;
CREATE EXTERNAL TABLE truth_in (id STRING, label STRING)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' STORED AS TEXTFILE LOCATION 'file://$out/data/truth';
SELECT p.id, t.label AS truth$cols, p.sentence
FROM predictions p JOIN truth_in t ON p.id = t.id
WHERE p.day = '$day'
GROUP BY p.id, t.label, p.sentence
ORDER BY p.id;
SQL
} > "$out/logs/publish.sql"
{ printf 'id\ttruth'; for m in $methods; do printf '\t%s' "$m"; done; printf '\tsentence\n'; } > "$out/predictions.tsv"
run hive-publish "$dh" hive --metastore "$out/hive" -f "$out/logs/publish.sql" >> "$out/predictions.tsv"
# Accuracy of each method on the held-out rows (columns 3.. hold "label probability").
awk -F'\t' -v OFS='\t' 'NR > 1 { n++; for (c = 3; c < NF; c++) { split($c, lp, " "); if (lp[1] == $2) ok[c]++ } }
  END { line = "accuracy\t" n " rows"; for (c = 3; c < NF; c++) line = line "\t" sprintf("%.3f", ok[c] / n); print line "\t" }' \
  "$out/predictions.tsv" >> "$out/predictions.tsv"
column -t -s $'\t' "$out/predictions.tsv" 2>/dev/null || cat "$out/predictions.tsv"

stage "done. Outputs under $out:"
cat >&2 <<EOF
      data/          the labelled set (sentences/, labels/, truth/ of the held-out rows, the generated stories)
      prompts/       explode_prompts' output per template      scores/    infer's outputs per template (JSON lines)
      models/        one ensemble model file per method         predictions/  ensemble-predict's output per method
      report/        evaluation.txt and report.html (every member and every ensemble on held-out labelled rows)
      hive/          the in-process Hive's metastore and warehouse: table drafthorse.predictions, partitions
                     (day='$day', method=...); query it with: scripts/drafthorse hive --metastore $out/hive -e "..."
      predictions.tsv  the table printed above                  logs/      each step's stderr
EOF
