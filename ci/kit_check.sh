#!/usr/bin/env bash
# Install a pinned backprop-reference kit outside the current folder and run it on a backprop there: the local
# counterpart of the reusable workflow (.github/workflows/conformance-kit.yml), which needs no script of this
# repository (the installed kit runs its step: `backprop-check ci`). tests/test_packaging.py runs this script
# against a freshly built wheel.
#
#   ci/kit_check.sh --install 'backprop-reference[kit]==0.2.0' --spec student.py:backprop \
#       [--activations LIST] [--sizes N0,...,NL] [--dtype float64|float32] [--report PATH] [--gradescope PATH] \
#       [--torch VERSION|none] [--torch-index URL] [--python PYTHON] [--venv DIR]
#
# --install   what pip installs: a pinned requirement, a git URL, or a wheel path with [kit]
# --torch     install this torch first (CPU) so the kit also asks torch autograd; "none" (default) skips it
# --venv      where the kit's virtual environment goes (default: outside the workspace, under $RUNNER_TEMP or
#             a temporary folder), so that the caller's repository and its own tests are left untouched;
#             an existing one that already has backprop-check is reused as it is
# Exit status: backprop-check's (0 passed, 1 the submission failed, 4 usage error); 3 when installing failed.
set -euo pipefail

install="" spec="" activations="" sizes="" dtype="" report="" gradescope="" torch="none" python="python3" venv=""
torch_index="https://download.pytorch.org/whl/cpu"
while [ $# -gt 0 ]; do
  case "$1" in
    --install) install="$2"; shift 2 ;;
    --spec) spec="$2"; shift 2 ;;
    --activations) activations="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --dtype) dtype="$2"; shift 2 ;;
    --report) report="$2"; shift 2 ;;
    --gradescope) gradescope="$2"; shift 2 ;;
    --torch) torch="$2"; shift 2 ;;
    --torch-index) torch_index="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --venv) venv="$2"; shift 2 ;;
    *) echo "kit_check.sh: unknown argument $1 (see the header of $0)" >&2; exit 4 ;;
  esac
done
[ -n "$install" ] && [ -n "$spec" ] || { echo "kit_check.sh: --install and --spec are required" >&2; exit 4; }
venv="${venv:-${RUNNER_TEMP:-$(mktemp -d)}/backprop-kit-venv}"

if [ ! -x "$venv/bin/backprop-check" ]; then
  "$python" -m venv "$venv"
  pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
  if [ "$torch" != "none" ]; then
    # torch first, from its CPU index: a bare torch requirement would pull a CUDA build of several GB
    if ! "${pip[@]}" "torch==$torch" 2>/dev/null; then
      "${pip[@]}" "torch==$torch" --index-url "$torch_index" \
        || { echo "kit_check.sh: installing torch==$torch failed" >&2; exit 3; }
    fi
  fi
  "${pip[@]}" "$install" || { echo "kit_check.sh: pip install $install failed" >&2; exit 3; }
fi

args=("$spec")
if [ -n "$activations" ]; then args+=(--activations "$activations"); fi
if [ -n "$sizes" ]; then args+=(--sizes "$sizes"); fi
if [ -n "$dtype" ]; then args+=(--dtype "$dtype"); fi
if [ -n "$report" ]; then args+=(--report "$report"); fi
if [ -n "$gradescope" ]; then args+=(--gradescope "$gradescope"); fi
echo "+ backprop-check ${args[*]}   ($("$venv/bin/backprop-check" --version))"
set +e
"$venv/bin/backprop-check" "${args[@]}"
status=$?
set -e
exit "$status"
