#!/usr/bin/env bash
# Reproduction runs of docs/reproduction.md: SAP (p=0.5, q=1), SAP (p=1, q=2), Lottery ticket
# and One-shot on digits, global scope, one CPU thread per run (the reproduce default on CPU),
# then the Figure-2-style plots.
#
#   bash benchmarks/run_reproduction.sh all                 every set below, then the plots
#   bash benchmarks/run_reproduction.sh run SET [SEED...]   one set (default: its seeds)
#   bash benchmarks/run_reproduction.sh plot                the plots of the finished runs
#
# Sets (model, epochs E per iteration, iterations T, seeds):
#   mlp       MLP, E=10, T=10, seeds 0-3
#   cnn       CNN, E=10, T=10, seeds 0-3
#   cnn-e3    CNN, E=3,  T=10, seeds 0-3  (too short for BatchNorm running statistics: see doc)
#   mlp-long  MLP, E=10, T=30, seeds 0-1  (high sparsity)
# Runs use --resume, so an interrupted script can simply be started again; `run` with
# disjoint seed lists can run in parallel.
# Outputs: $ROOT/SET/{method}-s{seed}/ and docs/img/reproduction-SET.png.
# SO: the command to run (default: sparsity-oracle; e.g. SO="python -m sparsity_oracle").
# ROOT: the output root (default: runs/reproduction; e.g. ROOT=runs/reproduction-real).
# `plot` draws the finished runs under $ROOT (unfinished ones and empty sets are skipped;
# the legend gives the number of runs per curve).
set -euo pipefail
SO=${SO:-sparsity-oracle}
ROOT=${ROOT:-runs/reproduction}
declare -A MODEL=([mlp]=mlp [cnn]=cnn [cnn-e3]=cnn [mlp-long]=mlp)
declare -A EPOCHS=([mlp]=10 [cnn]=10 [cnn-e3]=3 [mlp-long]=10)
declare -A ITERATIONS=([mlp]=10 [cnn]=10 [cnn-e3]=10 [mlp-long]=30)
declare -A SEEDS=([mlp]="0 1 2 3" [cnn]="0 1 2 3" [cnn-e3]="0 1 2 3" [mlp-long]="0 1")
METHODS=("sap-p0.5-q1:--method sap --p 0.5 --q 1" "sap-p1-q2:--method sap --p 1 --q 2" "lt:--method lt" "oneshot:--method oneshot")

run_set() {
  local set=$1
  shift
  local seeds=("$@")
  [ ${#seeds[@]} -gt 0 ] || read -ra seeds <<< "${SEEDS[$set]}"
  for seed in "${seeds[@]}"; do
    for entry in "${METHODS[@]}"; do
      local name=${entry%%:*} args=${entry#*:}
      $SO reproduce $args --model "${MODEL[$set]}" --dataset digits --iterations "${ITERATIONS[$set]}" \
        --epochs "${EPOCHS[$set]}" --seed "$seed" --out "$ROOT/$set/$name-s$seed" --resume --no-progress
    done
  done
}

plot_set() {
  local set=$1 dir runs=() seeds=()
  for dir in "$ROOT/$set"/*-s*; do  # finished runs only (T lines in results.jsonl)
    [ -f "$dir/results.jsonl" ] && [ "$(grep -c . "$dir/results.jsonl")" -ge "${ITERATIONS[$set]}" ] && runs+=("$dir")
  done
  if [ ${#runs[@]} -eq 0 ]; then echo "plot: no finished run in $ROOT/$set, skipped" >&2; return 0; fi
  read -ra seeds <<< "$(printf '%s\n' "${runs[@]##*-s}" | sort -un | tr '\n' ' ')"
  $SO plot "${runs[@]}" --output "docs/img/reproduction-$set.png" --title \
    "digits, ${MODEL[$set]}, global scope, T=${ITERATIONS[$set]}, E=${EPOCHS[$set]}, ${#seeds[@]} seeds (mean, band = min..max)"
}

case ${1:-all} in
  run) run_set "${@:2}" ;;
  plot) for set in "${!MODEL[@]}"; do plot_set "$set"; done ;;
  all) for set in mlp cnn cnn-e3 mlp-long; do run_set "$set"; done
       for set in mlp cnn cnn-e3 mlp-long; do plot_set "$set"; done ;;
  *) echo "usage: $0 [all | run SET [SEED...] | plot]" >&2; exit 2 ;;
esac
