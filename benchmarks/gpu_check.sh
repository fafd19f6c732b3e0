#!/usr/bin/env bash
# The one script for a lent GPU machine: conformance on cuda in both precision modes, and gradient times.
#
#   bash benchmarks/gpu_check.sh             # on the GPU machine (finishes in ~3-6 minutes)
#   bash benchmarks/gpu_check.sh --dry-run   # print what it finds and would run; run nothing heavy
#   bash benchmarks/gpu_check.sh --cpu       # the same steps on the CPU, dev profile, small network (~1 min)
#
# Steps: 1. find python, numpy, torch (+ CUDA?), jax (+ GPU?), hypothesis, pytest; install what is
# missing (torch==2.13.0, jax[cuda12] matching the installed jax); 2. run the ci profile of the
# conformance suite with --device=cuda, once at full float32 (TF32 off, JAX HIGHEST) and once with
# --allow-tf32, each writing a JSON report; 3. print examples run, worst error / tolerance per dtype
# and mode, wall times; 4. time torch autograd and jax.jit(jax.grad) against the reference on a
# 4096-4096-4096-4096-10 float32 network at batch 4096.  Environment: PYTHON (default python3),
# OUT (default ./out/gpu_check), TIMEOUT_S per pytest run (default 240).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=gpu
case "${1:-}" in
  --dry-run) MODE=dry ;;
  --cpu) MODE=cpu ;;
  "") ;;
  *) echo "usage: $0 [--dry-run|--cpu]" >&2; exit 2 ;;
esac
PY=${PYTHON:-python3}
OUT=${OUT:-out/gpu_check}
TIMEOUT_S=${TIMEOUT_S:-240}
mkdir -p "$OUT"
T0=$(date +%s)

echo "== gpu_check ($MODE) in $(pwd), python: $($PY -c 'import sys; print(sys.executable, sys.version.split()[0])')"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader \
  || echo "nvidia-smi: not found (no NVIDIA driver visible)"

probe() {
  $PY - <<'EOF'
import importlib
for name in ("numpy", "hypothesis", "pytest", "torch", "jax"):
    try:
        m = importlib.import_module(name)
    except Exception as exc:
        print(f"{name}: MISSING ({type(exc).__name__})")
        continue
    extra = ""
    if name == "torch":
        extra = f" cuda build {m.version.cuda}, cuda available {m.cuda.is_available()}"
        if m.cuda.is_available():
            extra += f", {m.cuda.get_device_name(0)}"
    if name == "jax":
        try:
            gpus = m.devices("gpu")
        except RuntimeError:
            gpus = []
        extra = f" gpu devices {[d.device_kind for d in gpus]}"
    print(f"{name}: {m.__version__}{extra}")
EOF
}
echo "== what is installed"
probe | tee "$OUT/found.txt"

need_install=()
grep -q '^numpy: MISSING' "$OUT/found.txt" && need_install+=("numpy")
grep -q '^hypothesis: MISSING' "$OUT/found.txt" && need_install+=("hypothesis")
grep -q '^pytest: MISSING' "$OUT/found.txt" && need_install+=("pytest")
grep -q '^torch: MISSING' "$OUT/found.txt" && need_install+=("torch==2.13.0")
if [ "$MODE" = gpu ] && command -v nvidia-smi >/dev/null; then
  grep -q '^jax: MISSING' "$OUT/found.txt" && need_install+=("jax[cuda12]")
  if grep -q '^jax: [0-9]' "$OUT/found.txt" && grep -q "gpu devices \[\]" "$OUT/found.txt"; then
    need_install+=("jax[cuda12]==$(grep '^jax: ' "$OUT/found.txt" | awk '{print $2}')")
  fi
else
  grep -q '^jax: MISSING' "$OUT/found.txt" && need_install+=("jax")
fi
if [ ${#need_install[@]} -gt 0 ]; then
  echo "== to install: ${need_install[*]}"
  if [ "$MODE" = dry ]; then
    echo "(dry run: not installing)"
  else
    $PY -m pip install -q "${need_install[@]}"
    $PY -m pip install -q --no-deps -e . >/dev/null 2>&1 || true
    echo "== after installing"; probe | tee "$OUT/found.txt"
  fi
else
  echo "== nothing to install"
fi
if [ "$MODE" = gpu ] && ! grep -q 'cuda available True' "$OUT/found.txt"; then
  echo "WARNING: torch sees no GPU (a CPU build?): its cuda tests will be skipped with that reason"
fi

if [ "$MODE" = cpu ]; then DEVICE=cpu; PROFILE=dev; SIZES=256,256,256,256,10; BATCH=256
else DEVICE=cuda; PROFILE=ci; SIZES=4096,4096,4096,4096,10; BATCH=4096; fi
TESTS="tests/test_conformance_trace.py tests/test_conformance_training.py tests/test_conformance_roundtrip.py tests/test_device.py"
run_suite() {  # $1 = label, rest = extra pytest args
  local label=$1; shift
  local cmd=($PY -m pytest -p no:cacheprovider -rs --device=$DEVICE --hypothesis-profile=$PROFILE
             --conformance-report="$OUT/report_$label.json" $TESTS "$@")
  echo "== suite, $label: ${cmd[*]}"
  if [ "$MODE" = dry ]; then return 0; fi
  local t=$(date +%s)
  set +e
  timeout "$TIMEOUT_S" "${cmd[@]}" > "$OUT/pytest_$label.log" 2>&1
  local rc=$?
  set -e
  sed -n '/test session starts/,/^rootdir/p' "$OUT/pytest_$label.log" | grep '^conformance' || true
  tail -n 3 "$OUT/pytest_$label.log"
  echo "   $label: pytest exit $rc, wall $(( $(date +%s) - t )) s"
}
run_suite full_fp32
run_suite tf32 --allow-tf32

if [ "$MODE" != dry ]; then
  echo "== examples and worst error / tolerance (<= 1 passes), per property, implementation, dtype and mode"
  $PY - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]
for label in ("full_fp32", "tf32"):
    path = os.path.join(out, f"report_{label}.json")
    if not os.path.exists(path):
        print(f"{label}: no report (the run failed before writing it: see pytest_{label}.log)")
        continue
    data = json.load(open(path))
    env = data["environment"]
    print(f"{label}: device {env.get('device')} ({env.get('gpu')}), tolerance rows {env.get('tolerance rows')}, "
          f"exit {data.get('exitstatus')}")
    for r in data["results"]:
        worst = "-" if r["worst"] is None else f"{r['worst']:.3g}"
        print(f"  {r['property']:<18} {r['implementation']:<20} examples {r['examples']:>5}  worst/tol {worst:>9}  "
              f"{r['status']}")
EOF
fi

echo "== gradient time, float32 $SIZES at batch $BATCH (frameworks on $DEVICE, reference numpy on the CPU)"
LARGE=($PY benchmarks/conformance_speed.py --large "$SIZES" --batch "$BATCH" --device "$DEVICE" --repeat 3)
echo "   ${LARGE[*]}"
if [ "$MODE" != dry ]; then timeout 240 "${LARGE[@]}" || echo "   (large-network timing failed or timed out)"; fi
echo "== total wall $(( $(date +%s) - T0 )) s; reports and logs in $OUT"
