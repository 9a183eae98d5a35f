#!/usr/bin/env bash
# One-shot reproduction of docs/reproduction.md ("PSO (SpODE) vs one-shot baselines"): PSO and
# every one-shot baseline (magnitude global and per layer, random, SNIP, SynFlow, GraSP) pruned to
# the paper's densities 0.1 0.07 0.05 0.035 0.02 from the same dense model, fine-tuned, evaluated;
# digits, one CPU thread per run (the reproduce default on CPU); then the Figure-3-style plots and
# the summary table.
#
#   bash benchmarks/run_oneshot_reproduction.sh all                 every set, then plot + summary
#   bash benchmarks/run_oneshot_reproduction.sh run SET [SEED...]   one set (default: its seeds)
#   bash benchmarks/run_oneshot_reproduction.sh plot                plots + summary of finished runs
#
# Sets (model, dense epochs E, fine-tuning epochs F, seeds):
#   mlp   MLP, E=30, F=30, seeds 0-2   (E=10 leaves the dense MLP at ~90 %, 30 gives ~96 %)
#   cnn   CNN, E=10, F=10, seeds 0-2   (the dense CNN is at ~99 % after 10 epochs)
# PSO: N=100 Euler steps, relative radius 1.1, G = l2, exp schedule (the authors' scripts).
# Runs use --resume, so an interrupted script can simply be started again.
# Outputs: $ROOT/SET/{method}-s{seed}/, docs/img/oneshot-SET.png, and (summary) the compact
# files docs/data/oneshot/ (results.jsonl and ode_*.jsonl of every run, summary.csv).
# SO: the command to run (default: sparsity-oracle); ROOT: output root (default: runs/oneshot).
set -euo pipefail
SO=${SO:-sparsity-oracle}
ROOT=${ROOT:-runs/oneshot}
declare -A MODEL=([mlp]=mlp [cnn]=cnn)
declare -A EPOCHS=([mlp]=30 [cnn]=10)
declare -A FINETUNE=([mlp]=30 [cnn]=10)
declare -A SEEDS=([mlp]="0 1 2" [cnn]="0 1 2")
METHODS=("spode:--method spode" "mag:--method mag" "mag-layer:--method mag --scope layer" "random:--method random"
         "snip:--method snip" "synflow:--method synflow" "grasp:--method grasp")
DENSITIES=5

run_set() {
  local set=$1
  shift
  local seeds=("$@")
  [ ${#seeds[@]} -gt 0 ] || read -ra seeds <<< "${SEEDS[$set]}"
  for seed in "${seeds[@]}"; do
    for entry in "${METHODS[@]}"; do
      local name=${entry%%:*} args=${entry#*:}
      $SO reproduce $args --model "${MODEL[$set]}" --dataset digits --epochs "${EPOCHS[$set]}" \
        --finetune-epochs "${FINETUNE[$set]}" --seed "$seed" --out "$ROOT/$set/$name-s$seed" --resume --no-progress
    done
  done
}

plot_set() {
  local set=$1 dir runs=()
  for dir in "$ROOT/$set"/*-s*; do  # finished runs only (one line per density)
    [ -f "$dir/results.jsonl" ] && [ "$(grep -c . "$dir/results.jsonl")" -ge $DENSITIES ] && runs+=("$dir")
  done
  if [ ${#runs[@]} -eq 0 ]; then echo "plot: no finished run in $ROOT/$set, skipped" >&2; return 0; fi
  $SO plot "${runs[@]}" --output "docs/img/oneshot-$set.png" --title \
    "digits, ${MODEL[$set]}, one-shot to each density, dense E=${EPOCHS[$set]}, fine-tune F=${FINETUNE[$set]} (mean, band = min..max over seeds)"
}

case ${1:-all} in
  run) run_set "${@:2}" ;;
  plot) for set in mlp cnn; do plot_set "$set"; done
        python benchmarks/summarize_oneshot.py "$ROOT" docs/data/oneshot ;;
  all) for set in mlp cnn; do run_set "$set"; done
       for set in mlp cnn; do plot_set "$set"; done
       python benchmarks/summarize_oneshot.py "$ROOT" docs/data/oneshot ;;
  *) echo "usage: $0 [all | run SET [SEED...] | plot]" >&2; exit 2 ;;
esac
