#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: one venv with the pinned kit.
# (https://gradescope-autograders.readthedocs.io/en/latest/specs/; the zip holds setup.sh, run_autograder, kit.env)
set -euo pipefail
AUTOGRADER="${AUTOGRADER:-/autograder}"
source "$AUTOGRADER/source/kit.env"
python3 -m venv "$AUTOGRADER/kit-venv"
pip=("$AUTOGRADER/kit-venv/bin/python" -m pip install --quiet --disable-pip-version-check)
if [ "$TORCH_VERSION" != "none" ]; then
  # from the CPU index: a bare torch requirement would pull a CUDA build of several GB
  "${pip[@]}" "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu
fi
"${pip[@]}" "$KIT_REQUIREMENT" ${HYPOTHESIS_REQUIREMENT:+"$HYPOTHESIS_REQUIREMENT"}
"$AUTOGRADER/kit-venv/bin/backprop-check" --version
