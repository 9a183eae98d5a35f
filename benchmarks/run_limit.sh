#!/usr/bin/env bash
# Runs of docs/reproduction.md, "The pruning limit of a trained model": `sparsity-oracle limit`
# on digits, one CPU thread per run (the default on CPU), seeds 0-2, then the tables
# (benchmarks/limit_claims.py) and the figures.
#
#   bash benchmarks/run_limit.sh all                  every set below, then tables and figures
#   bash benchmarks/run_limit.sh run SET [SEED...]    one set (default: seeds 0 1 2)
#   bash benchmarks/run_limit.sh report               tables and figures of the finished runs
#
# Sets (every run: eps = batch-std, abs policy, eta = 0.05, ratios 0, 0.01, ..., 0.99, fine-tune
# 2 epochs at lr 0.01, SGD lr 0.1 Nesterov, batch 128, no weight decay):
#   linear      linear model, 100 epochs, exact spectrum (D = 640)
#   linear-slq  the linear runs' trained weights (--init), SLQ m=100, 10 probes: SLQ vs exact
#   linear-l1   linear model, 100 epochs, l1 1e-4, exact spectrum
#   mlp         MLP, 50 epochs, SLQ m=100, 10 probes, float64, whole training set (D = 43 520)
#   mlp-l1      MLP, 50 epochs, l1 5e-5, SLQ as mlp
#   mlp-probes  the trained weights and eps of mlp/s0 (--init, --eps), SLQ with the probes of
#               seeds 1 and 2, no pruning sweep (--ratios 0): the spread of SLQ itself
#   cnn         CNN, 20 epochs, SLQ m=40, 4 probes, float32, a fixed 256-sample subset,
#               fine-tune 1 epoch (D = 1 553 984; the full-set float64 SLQ would take hours on CPU)
#   cnn-f64     the trained weights and eps of cnn/s0 and cnn/s2 (the seed whose prediction is the
#               outlier), the same SLQ in float64, no pruning sweep: is the float32 spectrum's
#               near-zero bulk resolved?
# Runs use --resume, so an interrupted script can simply be started again.
# Outputs: $ROOT/SET/s{seed}/, benchmarks/results/limit_*.{json,csv}, docs/img/limit-*.png.
# The trained sets (not the three that reuse their weights) are also a ready-made sweep:
# benchmarks/sweeps/limit-digits.toml.
# SO: the command to run (default: sparsity-oracle).  ROOT: the output root (default runs/limit).
set -euo pipefail
SO=${SO:-sparsity-oracle}
ROOT=${ROOT:-runs/limit}
SETS=(linear linear-slq linear-l1 mlp mlp-l1 mlp-probes cnn cnn-f64)
declare -A ARGS=(
  [linear]="--model linear --epochs 100 --spectrum exact"
  [linear-slq]="--model linear --spectrum slq --lanczos-steps 100 --probes 10"
  [linear-l1]="--model linear --epochs 100 --l1 1e-4 --spectrum exact"
  [mlp]="--model mlp --epochs 50 --spectrum slq --lanczos-steps 100 --probes 10"
  [mlp-l1]="--model mlp --epochs 50 --l1 5e-5 --spectrum slq --lanczos-steps 100 --probes 10"
  [mlp-probes]="--model mlp --spectrum slq --lanczos-steps 100 --probes 10 --finetune-epochs 0 --ratios 0"
  [cnn]="--model cnn --epochs 20 --spectrum slq --lanczos-steps 40 --probes 4 --hessian-dtype float32 --hessian-samples 256 --finetune-epochs 1"
  [cnn-f64]="--model cnn --spectrum slq --lanczos-steps 40 --probes 4 --hessian-dtype float64 --hessian-samples 256 --finetune-epochs 0 --ratios 0"
)

eps_of() {  # the eps a finished run used, exactly (repr of the float)
  python -c "import json, sys; print(repr(json.load(open(sys.argv[1] + '/limit.json'))['eps']))" "$1"
}

run_set() {
  local set=$1
  shift
  local seeds=("$@") extra
  if [ ${#seeds[@]} -eq 0 ]; then
    case $set in mlp-probes) seeds=(1 2) ;; cnn-f64) seeds=(0 2) ;; *) seeds=(0 1 2) ;; esac
  fi
  for seed in "${seeds[@]}"; do
    extra=""
    [ "$set" = linear-slq ] && extra="--init $ROOT/linear/s$seed/dense.pt"
    [ "$set" = mlp-probes ] && extra="--init $ROOT/mlp/s0/dense.pt --eps $(eps_of "$ROOT/mlp/s0")"
    [ "$set" = cnn-f64 ] && extra="--init $ROOT/cnn/s$seed/dense.pt --eps $(eps_of "$ROOT/cnn/s$seed")"
    # shellcheck disable=SC2086
    $SO limit ${ARGS[$set]} $extra --seed "$seed" --out "$ROOT/$set/s$seed" --resume --no-progress
  done
}

report() {
  python benchmarks/limit_claims.py "$ROOT" --out benchmarks/results
  for set in linear mlp mlp-l1 cnn; do
    [ -f "$ROOT/$set/s0/limit.png" ] && cp "$ROOT/$set/s0/limit.png" "docs/img/limit-$set.png"
  done
  return 0
}

case ${1:-all} in
  run) run_set "${@:2}" ;;
  report) report ;;
  all) for set in "${SETS[@]}"; do run_set "$set"; done; report ;;
  *) echo "usage: $0 [all | run SET [SEED...] | report]" >&2; exit 2 ;;
esac
