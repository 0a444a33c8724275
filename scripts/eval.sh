#!/usr/bin/env bash
# Measures retrieval quality on the public evaluation sets in ../shared/eval (never copied into the
# repository): Recall@1/5, MRR@10, AUROC, ECE and the answer trade-off, plus cross-script runs on
# bq-corpus (questions rewritten to Traditional with OpenCC s2twp and, independently, ICU's
# Simplified-Traditional; and the corpus rewritten to Traditional against Simplified questions).
# Usage: scripts/eval.sh [extra kefu-eval flags, e.g. --set bm25_b=0.6]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eval_dir=${KEFU_EVAL_DIR:-../shared/eval}
if [[ ! -d $eval_dir ]]; then
  echo "eval: $eval_dir is missing; it holds the evaluation sets (see docs/QUALITY.md)" >&2
  exit 1
fi
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKEFU_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target kefu-eval >/dev/null
eval_bin=build/tools/kefu-eval
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {  # NAME CORPUS QUERIES [FLAGS...]
  local name=$1 corpus=$2 queries=$3
  shift 3
  printf '%-34s ' "$name"
  "$eval_bin" --corpus "$corpus" --queries "$queries" --json "$@" | python3 -c '
import json, sys
j = json.load(sys.stdin)
oos = j["oos_escalation_recall"]
print("R@1 %.3f  R@5 %.3f  MRR@10 %.3f  AUROC %.3f  ECE %.3f  answered %.3f at precision %.3f  OOS escalated %s  answerable at 90%% precision %.3f  p50 %.0f us  p99 %.0f us" % (
    j["recall_at_1"], j["recall_at_5"], j["mrr_at_10"], j["auroc"], j["ece"], j["answer_rate"],
    j["answered_precision"], "-" if oos is None else "%.3f" % oos, j["answer_rate_at_90_precision"],
    j["p50_query_us"], j["p99_query_us"]))'
}

for set in banking77 clinc150 bq-corpus; do
  run "$set dev" "$eval_dir/$set/corpus.jsonl" "$eval_dir/$set/dev.jsonl" "$@"
done
# The hard case for escalation: half of the intents missing from the KB, their questions out of scope.
run "banking77 dev, half the intents unknown" "$eval_dir/banking77/corpus.jsonl" \
  "$eval_dir/banking77/dev.jsonl" --unknown-intents 0.5 "$@"
bq=$eval_dir/bq-corpus
run "bq dev, questions s2twp (OpenCC)" "$bq/corpus.jsonl" "$bq/dev.jsonl" --convert-queries s2twp.json "$@"
# ICU's converter is not the one Kefu folds with, so this run does not just undo its own conversion.
uconv -x Simplified-Traditional < "$bq/dev.jsonl" | sed 's/"lang": "zh-Hans"/"lang": "zh-Hant"/' > "$tmp/dev-icu-hant.jsonl"
run "bq dev, questions ICU Hans->Hant" "$bq/corpus.jsonl" "$tmp/dev-icu-hant.jsonl" "$@"
opencc -c s2twp.json < "$bq/corpus.jsonl" | sed 's/"lang": "zh-Hans"/"lang": "zh-Hant"/' > "$tmp/corpus-hant.jsonl"
run "bq dev, corpus s2twp (Hant KB)" "$tmp/corpus-hant.jsonl" "$bq/dev.jsonl" "$@"
