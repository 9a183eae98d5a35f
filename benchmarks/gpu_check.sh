#!/usr/bin/env bash
# The GPU check of issue 18, in one go (docs/gpu/README.md): the device and software, the
# CUDA-marked tests, the GPU benchmarks, and short SAP, PSO and limit runs on CUDA compared with
# the same runs on the CPU.  Every step runs under its own `timeout`; the whole takes under 8
# minutes on an H100.  Without CUDA the CUDA parts are skipped (one line says so) and the CPU
# parts still run.
#
#   bash benchmarks/gpu_check.sh [--quick]      # --quick: tiny sizes, to check the script on a CPU
#
# Writes to $OUT (default ./gpu_out), at most 8 files, none in a sub-folder:
#   summary.md     the device, the software, one line per step (ok / FAILED / skipped, seconds)
#   tests.md       the CUDA tests' outcome; tests-junit.xml: pytest's JUnit XML of them
#   benchmarks.md  every benchmark table
#   compare.md     CPU run against CUDA run: SAP, PSO, limit, one-shot methods (compare_runs.py)
#   gpu_check.log  everything printed, in order
# $GPU_CHECK_ONESHOT: the one-shot methods run on both devices (default "mag random snip synflow grasp").
# The whole has a budget of $GPU_CHECK_BUDGET seconds (default 450): each step's limit is cut to
# what is left of it, and a step with under 5 s left is skipped (listed, exit status 1), so the
# script ends within the budget (+ 10 s) even when steps run to their limits.
# Exit status: 1 if a CUDA test fails, a comparison's exact field differs or a step fails; else 0.
set -u -o pipefail

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "gpu_check.sh: error: unknown argument $arg (only --quick)" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT" || exit 1
OUT="${OUT:-$ROOT/gpu_out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export PYTHONUNBUFFERED=1 CI=true
LOG="$OUT/gpu_check.log"
SUMMARY="$OUT/summary.md"
BENCH="$OUT/benchmarks.md"
COMPARE="$OUT/compare.md"
: >"$LOG"
STATUS=0
STEPS=()
BUDGET="${GPU_CHECK_BUDGET:-450}"  # seconds for the whole script (header)

log() { echo "$*" | tee -a "$LOG"; }

# step NAME SECONDS COMMAND...: run COMMAND under `timeout SECONDS` (cut to what is left of the
# budget), its output into the log; record ok / FAILED (exit status) in the summary.
step() {
    local name="$1" limit="$2" start rc
    shift 2
    local left=$(( BUDGET - SECONDS ))
    if [ "$left" -lt 5 ]; then
        skip "$name" "the script's time budget ($BUDGET s) is spent"
        STATUS=1
        return
    fi
    [ "$limit" -gt "$left" ] && limit="$left"
    log ""
    log "=== $name (limit ${limit} s): $*"
    start=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$LOG"
    rc=${PIPESTATUS[0]}
    local took=$(( $(date +%s) - start ))
    if [ "$rc" -eq 0 ]; then
        STEPS+=("| $name | ok | $took |")
    else
        [ "$rc" -eq 124 ] && rc="124 (timed out)"
        STEPS+=("| $name | FAILED: exit $rc | $took |")
        STATUS=1
    fi
    log "=== $name: exit $rc after $took s"
}

# logged NAME: what step NAME printed, from the log (without its === lines)
logged() {
    sed -n "/^=== $1 (limit/,/^=== $1: exit/p" "$LOG" | sed '1d;$d'
}

skip() {
    STEPS+=("| $1 | skipped: $2 | 0 |")
    log ""
    log "=== $1: skipped: $2"
}

# bench TITLE SECONDS COMMAND...: a benchmark step whose output is also a section of benchmarks.md
bench() {
    local title="$1" limit="$2"
    shift 2
    {
        echo ""
        echo "## $title"
        echo ""
        echo "\`$*\`"
        echo ""
    } >>"$BENCH"
    step "benchmark: $title" "$limit" "$@"
    logged "benchmark: $title" >>"$BENCH"
    printf '\nstep: %s\n' "${STEPS[${#STEPS[@]}-1]}" >>"$BENCH"
}

# ---------------------------------------------------------------- the device and the software
log "gpu_check.sh $* on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if command -v nvidia-smi >/dev/null 2>&1; then
    timeout 30 nvidia-smi 2>&1 | tee -a "$LOG"
else
    log "nvidia-smi: not found"
fi
ENV_TEXT="$(timeout 120 "$PY" - <<'EOF' 2>&1
import platform, sys
print(f"python {platform.python_version()} ({sys.executable})")
try:
    import torch
except ImportError as error:
    print(f"torch: NOT importable ({error})")
    raise SystemExit(0)
print(f"torch {torch.__version__}, CUDA build {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"device: {torch.cuda.get_device_name(0)}, {p.total_memory / 2**30:.1f} GiB, "
          f"{p.multi_processor_count} SMs, capability {p.major}.{p.minor}")
else:
    print("device: no CUDA device")
import numpy, mpmath, sympy, hypothesis
print(f"numpy {numpy.__version__}, mpmath {mpmath.__version__}, sympy {sympy.__version__}, "
      f"hypothesis {hypothesis.__version__}; {torch.get_num_threads()} CPU threads")
EOF
)"
log "$ENV_TEXT"
if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" >/dev/null 2>&1; then
    CUDA=1
else
    CUDA=0
    log "NO CUDA DEVICE: the CUDA tests, the CUDA benchmark sections and the CUDA runs are skipped; the CPU parts run."
fi

# --------------------------------------------------------- the project, installed without network
# (checked from / : in the root, the folder sparsity_oracle/ imports without gpu_impl/ and the rest)
if (cd / && "$PY" -c "import sparsity_oracle.gpu_impl as g, sys, pathlib; sys.exit(0 if pathlib.Path(g.__file__).resolve().parent == pathlib.Path('$ROOT/gpu_impl').resolve() else 1)") >/dev/null 2>&1; then
    log "sparsity_oracle is already installed from $ROOT"
    STEPS+=("| install (pip -e ., no network) | not needed: already installed from this checkout | 0 |")
else
    step "install (pip -e ., no network)" 180 "$PY" -m pip install -q --no-deps --no-build-isolation --no-index -e .
    # (offline, an editable install needs setuptools >= 70.1, or the package wheel, beside pip)
fi

# ------------------------------------------------------------------------------ the CUDA tests
if [ "$CUDA" -eq 1 ]; then
    step "CUDA tests (pytest -m gpu)" 240 "$PY" -m pytest -m gpu -q -p no:cacheprovider -n 4 -rfEs \
        --timeout 120 --junitxml="$OUT/tests-junit.xml" tests sparsity_oracle/oracle
    "$PY" - "$OUT/tests-junit.xml" >"$OUT/tests.md" 2>&1 <<'EOF'
import os, sys, xml.etree.ElementTree as ET
if not os.path.exists(sys.argv[1]):
    print("# CUDA tests (pytest -m gpu)\n\nNo JUnit file: the step failed or timed out before pytest wrote it "
          "(gpu_check.log has its output).")
    raise SystemExit(0)
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
print("# CUDA tests (pytest -m gpu)\n")
print(f"{total['tests']} tests: {total['tests'] - total['failures'] - total['errors'] - total['skipped']} passed, "
      f"{total['failures']} failed, {total['errors']} errors, {total['skipped']} skipped\n")
for case in root.iter("testcase"):
    for kind in ("failure", "error", "skipped"):
        for item in case.findall(kind):
            message = (item.get("message") or "").splitlines()[0][:300] if item.get("message") else ""
            print(f"- {kind}: {case.get('classname')}::{case.get('name')}: {message}")
EOF
    cat "$OUT/tests.md" | tee -a "$LOG"
else
    skip "CUDA tests (pytest -m gpu)" "no CUDA device"
fi

# ------------------------------------------------------------------------------ the benchmarks
if [ "$CUDA" -eq 1 ]; then DEV=cuda; else DEV=cpu; fi
{
    echo "# GPU check benchmarks"
    echo ""
    echo "$ENV_TEXT" | sed 's/^/    /'
} >"$BENCH"
if [ "$QUICK" -eq 1 ]; then
    bench "measures: PQI and Gini bandwidth, ResNet-18 neuron-wise counts" 120 \
        "$PY" benchmarks/bench_gpu_measures.py --device "$DEV" --quick
    bench "masked vs unmasked training throughput" 120 \
        "$PY" benchmarks/bench_experiments.py --device "$DEV" --synthetic-only --samples 250 --repeats 1
    bench "PSO step vs training step" 120 "$PY" benchmarks/bench_spode.py --device "$DEV" --quick
    bench "HVP vs gradient" 120 "$PY" benchmarks/bench_hessian.py --device "$DEV" --quick
else
    bench "measures: PQI and Gini bandwidth, ResNet-18 neuron-wise counts" 150 \
        "$PY" benchmarks/bench_gpu_measures.py --device "$DEV" --size 10000000 --gpu-size 1000000000 --repeat 5 --kernel-sweep
    bench "masked vs unmasked training throughput" 120 \
        "$PY" benchmarks/bench_experiments.py --device "$DEV" --synthetic-only --samples 60000 --repeats 3
    bench "PSO step vs training step" 90 "$PY" benchmarks/bench_spode.py --device "$DEV" --full-steps 100
    bench "HVP vs gradient" 90 "$PY" benchmarks/bench_hessian.py --device "$DEV"
fi

# ------------------------------------------------- SAP, PSO and limit on CUDA against the CPU
# The same settings on both devices.  PSO and limit start from one dense checkpoint trained on
# the CPU (--init), so both devices prune the same weights; SAP trains on each device.
if [ "$QUICK" -eq 1 ]; then
    SAP_ARGS=(--model mlp --iterations 2 --epochs 1)
    DENSE_ARGS=(--model mlp --epochs 2)
    PSO_ARGS=(--model mlp --densities 0.1 --ode-steps 5 --finetune-epochs 1)
    LIMIT_ARGS=(--model mlp --spectrum slq --lanczos-steps 8 --probes 2 --hessian-samples 256 --ratios 0 0.5 0.9)
    ONESHOT_METHODS=(mag)
else
    SAP_ARGS=(--model cnn --iterations 2 --epochs 10)  # E = 10: the CNN stays at chance with fewer
    DENSE_ARGS=(--model cnn --epochs 10)
    PSO_ARGS=(--model cnn --densities 0.1 0.05 --ode-steps 30 --finetune-epochs 2)
    LIMIT_ARGS=(--model mlp --spectrum slq --lanczos-steps 50 --probes 4 --hessian-samples 1024
                --ratios 0 0.2 0.4 0.6 0.8 0.9 --finetune-epochs 1)
    read -r -a ONESHOT_METHODS <<<"${GPU_CHECK_ONESHOT:-mag random snip synflow grasp}"
fi
CLI=("$PY" -m sparsity_oracle)
step "dense checkpoint (${DENSE_ARGS[*]}) on the CPU" 120 "${CLI[@]}" reproduce --method mag "${DENSE_ARGS[@]}" \
    --densities 0.1 --finetune-epochs 0 --device cpu --no-progress --out "$WORK/dense"
if [ "${DENSE_ARGS[1]}" = mlp ]; then
    LIMIT_INIT="$WORK/dense/dense.pt"
else
    LIMIT_INIT="$WORK/dense_mlp/dense.pt"
    step "dense checkpoint (--model mlp --epochs 10) on the CPU" 120 "${CLI[@]}" reproduce --method mag --model mlp \
        --epochs 10 --densities 0.1 --finetune-epochs 0 --device cpu --no-progress --out "$WORK/dense_mlp"
fi
DEVICES=(cpu)
[ "$CUDA" -eq 1 ] && DEVICES+=(cuda)
for device in "${DEVICES[@]}"; do
    step "SAP run on $device" 120 "${CLI[@]}" reproduce --method sap "${SAP_ARGS[@]}" --device "$device" \
        --no-progress --out "$WORK/$device/sap"
    step "PSO run on $device" 150 "${CLI[@]}" reproduce --method spode "${PSO_ARGS[@]}" --init "$WORK/dense/dense.pt" \
        --device "$device" --no-progress --out "$WORK/$device/pso"
    for method in "${ONESHOT_METHODS[@]}"; do
        step "$method run on $device" 60 "${CLI[@]}" reproduce --method "$method" --model mlp --densities 0.1 \
            --finetune-epochs 0 --init "$LIMIT_INIT" --device "$device" --no-progress --out "$WORK/$device/$method"
    done
    step "limit run on $device" 150 "${CLI[@]}" limit "${LIMIT_ARGS[@]}" --init "$LIMIT_INIT" \
        --device "$device" --no-progress --out "$WORK/$device/limit"
done
{
    echo "# CPU run against CUDA run (benchmarks/compare_runs.py --checkpoints --across-devices)"
    echo ""
    echo "SAP: \`reproduce --method sap ${SAP_ARGS[*]}\`; PSO: \`reproduce --method spode ${PSO_ARGS[*]} --init\` a CPU-trained"
    echo "dense checkpoint (\`${DENSE_ARGS[*]}\`); limit: \`limit ${LIMIT_ARGS[*]} --init\` a CPU-trained dense MLP;"
    echo "${ONESHOT_METHODS[*]}: \`reproduce --method M --model mlp --densities 0.1 --finetune-epochs 0 --init\` that MLP."
    echo ""
} >"$COMPARE"
if [ "$CUDA" -eq 1 ]; then
    OTHER=cuda
    TITLE="compare CPU vs CUDA runs"
else
    # no second device: the CPU runs are compared with themselves, so that the comparison runs
    OTHER=cpu
    TITLE="compare CPU runs with themselves (no CUDA device)"
    echo "**No CUDA device: the CPU runs were compared with themselves (a check of the script, not of a GPU).**" >>"$COMPARE"
    echo "" >>"$COMPARE"
fi
step "$TITLE" 120 "$PY" benchmarks/compare_runs.py "$WORK/cpu" "$WORK/$OTHER" --checkpoints --across-devices
logged "$TITLE" >>"$COMPARE"
if [ "$CUDA" -eq 1 ]; then
    # PSO again on CUDA with TF32 off (cuDNN convolutions use TF32 by default on Ampere and later;
    # the CPU computes in float32): if TF32 is why the PSO masks differ, these agree more closely.
    step "PSO run on cuda, TF32 off (NVIDIA_TF32_OVERRIDE=0)" 150 env NVIDIA_TF32_OVERRIDE=0 "${CLI[@]}" reproduce \
        --method spode "${PSO_ARGS[@]}" --init "$WORK/dense/dense.pt" --device cuda --no-progress --out "$WORK/cuda_no_tf32/pso"
    mkdir -p "$WORK/cpu_pso" && ln -s "$WORK/cpu/pso" "$WORK/cpu_pso/pso"
    step "compare CPU vs CUDA PSO, TF32 off" 60 "$PY" benchmarks/compare_runs.py "$WORK/cpu_pso" "$WORK/cuda_no_tf32" \
        --checkpoints --across-devices
    {
        echo ""
        echo "## PSO on CUDA with TF32 off (NVIDIA_TF32_OVERRIDE=0) against the CPU"
        echo ""
        logged "compare CPU vs CUDA PSO, TF32 off"
    } >>"$COMPARE"
fi

# ------------------------------------------------------------------------------------ summary
{
    echo "# GPU check: $(echo "$ENV_TEXT" | grep '^device:' | sed 's/^device: //')"
    echo ""
    echo "\`bash benchmarks/gpu_check.sh $*\` at $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo ""
    echo "$ENV_TEXT" | sed 's/^/    /'
    echo ""
    [ "$CUDA" -eq 0 ] && echo "**No CUDA device: the CUDA parts were skipped.**" && echo ""
    echo "| step | result | seconds |"
    echo "|---|---|---:|"
    printf '%s\n' "${STEPS[@]}"
    echo ""
    if [ "$STATUS" -eq 0 ]; then echo "Result: ok"; else echo "Result: FAILED (see the steps above and gpu_check.log)"; fi
} >"$SUMMARY"
cat "$SUMMARY" | tee -a "$LOG" >/dev/null
cat "$SUMMARY"
exit "$STATUS"
