# The demo's labelled data set, from a model's own generations (scripts/demo.sh runs this; deterministic in any awk).
# Input: the prompts file (id<TAB>prompt), then infer's TSV generate output (id<TAB>text<TAB>...).
# For each row: prompt + text, cut at ". ", and the first whole sentence of 5 to 12 plain words (letters, commas and
# apostrophes; the final part is dropped because the token limit cut it). Rows without one are skipped.
# Every second kept row has its words shuffled (a fixed permutation per row from a small LCG whose products stay
# far below 2^53, so mawk, gawk and busybox awk agree); a shuffle that changes nothing is rotated by one word.
# Output: id<TAB>sentence<TAB>natural|shuffled (the sentence without its final period).
BEGIN { FS = "\t"; OFS = "\t" }
FNR == NR { prompt[$1] = $2; next }
{
  id = $1; t = prompt[id] $2
  gsub(/\\n/, " ", t); gsub(/\\t/, " ", t); gsub(/\\r/, " ", t)
  n = split(t, parts, /\. /)
  pick = ""
  for (k = 1; k < n; k++) {
    s = parts[k]
    sub(/^ +/, "", s)
    if (s !~ /^[A-Z][A-Za-z ,']*[a-z]$/) continue
    w = split(s, words, / +/)
    if (w >= 5 && w <= 12) { pick = s; break }
  }
  if (pick == "") next
  row++
  label = (row % 2 == 0) ? "shuffled" : "natural"
  if (label == "shuffled") {
    w = split(pick, words, / +/)
    for (j = 1; j <= w; j++) orig[j] = words[j]
    state = row * 7919 % 65537
    for (j = w; j > 1; j--) {
      state = (state * 75 + 74) % 65537
      r = state % j + 1
      tmp = words[j]; words[j] = words[r]; words[r] = tmp
    }
    same = 1
    for (j = 1; j <= w; j++) if (words[j] != orig[j]) same = 0
    if (same) { words[w + 1] = words[1]; for (j = 1; j <= w; j++) words[j] = words[j + 1] }
    out = words[1]
    for (j = 2; j <= w; j++) out = out " " words[j]
    pick = out
  }
  print id, pick, label
}
