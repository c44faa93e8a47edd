#!/usr/bin/env bash
# The Drafthorse chain on a real cluster, with the site values of a job.properties file (see oozie/job.properties).
#
# usage: scripts/submit.sh [--config FILE] [--oozie URL] [--coordinator | --direct] [--no-upload] [--dry-run]
#   --config FILE   the properties (default oozie/job.properties; copy it and edit the cluster block first)
#   --oozie URL     the Oozie server (default $OOZIE_URL)
#   (default)       one workflow run: upload the application, register the Hive functions, oozie job -run
#   --coordinator   the daily coordinator instead (same file; oozie.coord.application.path replaces the workflow path)
#   --direct        no Oozie: the workflow's steps one after another with beeline and hadoop jar, same arguments
#   --no-upload     skip the upload and the function registration (the application is in place already)
#   --dry-run       print the commands (one per line, shell-quoted) instead of running them
# Needs on the PATH what it runs: hdfs, beeline, oozie (default and --coordinator) or hadoop (--direct).
# Exit codes: 0 success, 2 bad arguments or a missing property (named), otherwise the failing command's code.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="$here/oozie/job.properties"
oozie_url="${OOZIE_URL:-}"
mode=workflow
upload=1
dry=0
usage() { sed -n '/^# usage:/,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="${2:?--config needs a file}"; shift 2 ;;
    --oozie) oozie_url="${2:?--oozie needs a URL}"; shift 2 ;;
    --coordinator) mode=coordinator; shift ;;
    --direct) mode=direct; shift ;;
    --no-upload) upload=0; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage ;;
    *) echo "submit: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -f "$config" ] || { echo "submit: --config $config: no such file" >&2; exit 2; }
jar=$(ls "$here"/mapreduce-jobs/target/drafthorse-*.jar 2>/dev/null | grep -v -e original -e sources | head -n 1 || true)
if [ -z "$jar" ]; then
  if [ "$dry" = 1 ]; then jar="$here/mapreduce-jobs/target/drafthorse-<version>.jar"
  else echo "submit: the job jar is not built; run: mvn -B -DskipTests package" >&2; exit 1; fi
fi

# --- the properties, resolved as Oozie resolves them (${name} refers to another property; ${user.name} is the user) --
declare -A raw
while IFS= read -r line || [ -n "$line" ]; do
  line="${line%$'\r'}"
  case "$line" in ''|'#'*|'!'*) continue ;; esac
  key="${line%%=*}"; val="${line#*=}"
  key="$(echo "$key" | sed 's/[[:space:]]*$//')"; val="$(echo "$val" | sed 's/^[[:space:]]*//')"
  raw["$key"]="$val"
done < "$config"
raw[user.name]="${raw[user.name]:-${USER:-$(id -un)}}"
prop() {
  local key="$1" v depth=0
  [ -n "${raw[$key]+set}" ] || { echo "submit: $config does not set '$key'" >&2; exit 2; }
  v="${raw[$key]}"
  while [[ "$v" =~ \$\{([A-Za-z0-9_.]+)\} ]] && [ $depth -lt 20 ]; do
    local ref="${BASH_REMATCH[1]}"
    [ -n "${raw[$ref]+set}" ] || { echo "submit: '$key' refers to \${$ref}, which $config does not set" >&2; exit 2; }
    v="${v//\$\{$ref\}/${raw[$ref]}}"
    depth=$((depth + 1))
  done
  printf '%s' "$v"
}

# --- running (or printing) commands -----------------------------------------------------------------------------------
do_cmd() {
  if [ "$dry" = 1 ]; then
    local out="" a
    for a in "$@"; do out="$out $(printf '%q' "$a")"; done
    echo "${out# }"
  else
    echo "submit: $*" >&2
    "$@"
  fi
}

app="$(prop appPath)"
jar_name="$(basename "$jar")"
db="$(prop hiveDatabase)"
jdbc="$(prop hiveJdbcUrl)"

if [ "$upload" = 1 ]; then
  # The application: workflow, coordinator, their HiveQL, and the job jar in lib/ (the java actions' classpath).
  do_cmd hdfs dfs -mkdir -p "$app/lib"
  do_cmd hdfs dfs -put -f "$here/oozie/app/workflow.xml" "$here/oozie/app/coordinator.xml" \
    "$here/oozie/app/create-prompts.sql" "$here/oozie/app/publish-predictions.sql" "$app/"
  do_cmd hdfs dfs -put -f "$jar" "$app/lib/$jar_name"
  # The Drafthorse functions, permanent in the workflow's database, from the uploaded jar (drafthorse-functions.sql).
  register="CREATE DATABASE IF NOT EXISTS $db; USE $db;"
  while read -r fn cls; do
    register="$register DROP FUNCTION IF EXISTS $fn; CREATE FUNCTION $fn AS '$cls' USING JAR '$app/lib/$jar_name';"
  done < <(sed -n "s/^CREATE FUNCTION \([a-z_]*\) AS '\([A-Za-z.]*\)'.*/\1 \2/p" "$here/hive-udtf/src/main/resources/drafthorse-functions.sql")
  do_cmd beeline -u "$jdbc" -e "$register"
fi

case "$mode" in
  workflow)
    [ -n "$oozie_url" ] || { echo "submit: no Oozie server: give --oozie URL or set OOZIE_URL" >&2; exit 2; }
    prop oozie.wf.application.path >/dev/null
    do_cmd oozie job -oozie "$oozie_url" -config "$config" -run
    ;;
  coordinator)
    [ -n "$oozie_url" ] || { echo "submit: no Oozie server: give --oozie URL or set OOZIE_URL" >&2; exit 2; }
    for k in coordStart coordEnd inputRoot runRoot wfAppPath; do prop "$k" >/dev/null; done
    # Oozie takes one application path per submission: the same properties, the coordinator's path instead.
    coord_config="$(mktemp "${TMPDIR:-/tmp}/drafthorse-coordinator.XXXXXX.properties")"
    grep -v '^[[:space:]]*oozie\.wf\.application\.path[[:space:]]*=' "$config" > "$coord_config"
    printf 'oozie.coord.application.path=%s\n' "$app" >> "$coord_config"
    [ "$dry" = 1 ] && echo "# $coord_config: $config without oozie.wf.application.path, plus oozie.coord.application.path=$app"
    do_cmd oozie job -oozie "$oozie_url" -config "$coord_config" -run
    ;;
  direct)
    # workflow.xml's actions in order, with its arguments (SubmitScriptTest compares the two).
    run="$(prop runDir)"
    inputs="t0=$run/scores/t0,t1=$run/scores/t1"
    do_cmd hdfs dfs -rm -r -f "$run/prompts"
    do_cmd beeline -u "$jdbc" --hivevar "DB=$db" --hivevar "INPUT=$(prop inputDir)" --hivevar "PROMPTS=$run/prompts" \
      -f "$here/oozie/app/create-prompts.sql"
    for t in t0 t1; do
      model="$(prop "model${t^^}")"
      do_cmd hdfs dfs -rm -r -f "$run/scores/$t"
      do_cmd hadoop jar "$jar" infer -D "mapreduce.job.queuename=$(prop queueName)" --input "$run/prompts/$t" \
        --output "$run/scores/$t" -m "$model" --mode score --candidates "$(prop candidates)"
    done
    labels="$(prop labelsDir)"; model_file="$(prop ensembleModel)"
    train=1
    if [ "$dry" = 1 ]; then
      echo "# the decision: train when $labels holds data (hdfs dfs -du -s), else predict with $model_file"
    elif ! hdfs dfs -test -d "$labels" || [ "$(hdfs dfs -du -s "$labels" | awk '{print $1}')" = 0 ]; then
      train=0
      hdfs dfs -test -e "$model_file" || { echo "submit: no labels at $labels and no trained model at $model_file" >&2; exit 1; }
    fi
    if [ "$train" = 1 ]; then
      do_cmd hdfs dfs -rm -r -f "$model_file" "$run/report"
      do_cmd hadoop jar "$jar" ensemble-train -D "mapreduce.job.queuename=$(prop queueName)" --method "$(prop ensembleMethod)" --inputs "$inputs" --labels "$labels" \
        --output "$model_file" --report "$run/report"
    fi
    do_cmd hdfs dfs -rm -r -f "$run/predictions"
    do_cmd hadoop jar "$jar" ensemble-predict -D "mapreduce.job.queuename=$(prop queueName)" --model "$model_file" --inputs "$inputs" --output "$run/predictions"
    do_cmd beeline -u "$jdbc" --hivevar "DB=$db" --hivevar "TABLE=$(prop predictionsTable)" --hivevar "INPUT=$(prop inputDir)" \
      --hivevar "LABELS=$labels" --hivevar "PREDICTIONS=$run/predictions" --hivevar "DAY=$(prop day)" \
      --hivevar "METHOD=$(prop ensembleMethod)" -f "$here/oozie/app/publish-predictions.sql"
    ;;
esac
