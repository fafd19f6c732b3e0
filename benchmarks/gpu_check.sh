#!/usr/bin/env bash
# The one script for a lent GPU machine: conformance on cuda in both precision modes, and gradient times.
#
#   bash benchmarks/gpu_check.sh             # on the GPU machine (finishes in ~4-8 minutes)
#   bash benchmarks/gpu_check.sh --dry-run   # print what it finds and would run; run nothing heavy
#   bash benchmarks/gpu_check.sh --cpu       # the same steps on the CPU, dev profile, small network (~3 min)
#
# Steps: 1. find python, numpy, torch (+ CUDA?), jax (+ GPU?), autograd, hypothesis, pytest, using
# what is installed (the CUDA builds already on the GPU machine): nothing is downloaded, a missing
# package is reported and its tests skip; 2. run the ci profile of the conformance suite with
# --device=cuda, once at full float32 (TF32 off, JAX HIGHEST) and once with --allow-tf32, then the
# scale tier (pytest -m scale: widths up to 256, batch up to 128, depth up to 6) in both modes,
# each writing a JSON report; 3. print examples run, worst error / tolerance per property, framework,
# dtype and mode, wall times; 4. time the frameworks against the reference on a
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
for name in ("numpy", "hypothesis", "pytest", "torch", "jax", "autograd"):
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
    print(f"{name}: {getattr(m, '__version__', 'installed')}{extra}")
EOF
}
echo "== what is installed"
probe | tee "$OUT/found.txt"

# Nothing is downloaded here (a lent GPU machine has no network): what is missing is reported, and
# the steps that need it skip with that reason.  Install beforehand, e.g. pip install torch==2.13.0
# (a CUDA build on the GPU machine) "jax[cuda12]" autograd.
missing=()
for pkg in numpy hypothesis pytest; do
  grep -q "^$pkg: MISSING" "$OUT/found.txt" && missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== MISSING, needed to run anything: ${missing[*]} (not installed by this script: no download here)"
  [ "$MODE" = dry ] || exit 3
fi
for pkg in torch jax autograd; do
  grep -q "^$pkg: MISSING" "$OUT/found.txt" && echo "== $pkg is not installed: its tests skip, saying so (not fetched)"
done
if [ "$MODE" = gpu ] && grep -q '^jax: [0-9]' "$OUT/found.txt" && grep -q "gpu devices \[\]" "$OUT/found.txt"; then
  echo "WARNING: jax sees no GPU (a CPU jaxlib? jax[cuda12] is not installed): its cuda tests will be skipped"
fi
if [ "$MODE" = gpu ] && ! grep -q 'cuda available True' "$OUT/found.txt"; then
  echo "WARNING: torch sees no GPU (a CPU build?): its cuda tests will be skipped with that reason"
fi

if [ "$MODE" = cpu ]; then DEVICE=cpu; PROFILE=dev; SIZES=256,256,256,256,10; BATCH=256
else DEVICE=cuda; PROFILE=ci; SIZES=4096,4096,4096,4096,10; BATCH=4096; fi
TESTS="conformance/suite/test_trace.py conformance/suite/test_training.py conformance/suite/test_roundtrip.py conformance/suite/test_edges.py tests/test_device.py"
SCALE_TESTS="-m scale conformance/suite/test_scale.py"
run_suite() {  # $1 = label, $2 = the tests, rest = extra pytest args
  local label=$1 tests=$2; shift 2
  local cmd=($PY -m pytest -p no:cacheprovider -rs --device=$DEVICE --hypothesis-profile=$PROFILE
             --conformance-report="$OUT/report_$label.json" $tests "$@")
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
run_suite full_fp32 "$TESTS"
run_suite tf32 "$TESTS" --allow-tf32
run_suite scale_fp32 "$SCALE_TESTS"
run_suite scale_tf32 "$SCALE_TESTS" --allow-tf32

if [ "$MODE" != dry ]; then
  echo "== examples and worst error / tolerance (<= 1 passes), per property, implementation, dtype and mode"
  $PY - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]
for label in ("full_fp32", "tf32", "scale_fp32", "scale_tf32"):
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
        print(f"  {r['property']:<22} {r['implementation']:<22} examples {r['examples']:>5}  worst/tol {worst:>9}  "
              f"{r['status']}")
EOF
fi

echo "== gradient time, float32 $SIZES at batch $BATCH (frameworks on $DEVICE, reference numpy on the CPU)"
LARGE=($PY benchmarks/conformance_speed.py --large "$SIZES" --batch "$BATCH" --device "$DEVICE" --repeat 3)
echo "   ${LARGE[*]}"
if [ "$MODE" != dry ]; then timeout 240 "${LARGE[@]}" || echo "   (large-network timing failed or timed out)"; fi
echo "== total wall $(( $(date +%s) - T0 )) s; reports and logs in $OUT"
