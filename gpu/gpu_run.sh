#!/usr/bin/env bash
# The GPU campaign on the lent, offline machine (docs/GPU.md):
#   bash gpu/gpu_run.sh OUTDIR [--part a|b|c] [--budget-s N] [--first-seed K] [--rehearsal]
# Installs the wheelhouse (wheelhouse/*.whl, or $WHEELHOUSE, plus any wheel joined from the parts that
# successive calls carried in wheelhouse-parts/ or $WHEEL_PARTS) into $GPU_RUN_SITE (default /tmp/site) once per
# machine, then runs the plan gpu/gpu.toml (`python -m gpu.campaign`, which does the rest: GPU check,
# budget, resume, give-up, the store copied to OUTDIR after every step). Everything printed goes to
# OUTDIR/gpu_run.log too. PYTHON: the interpreter (default python3, on the lent machines the one with JAX and torch).
set -u -o pipefail
if [ $# -lt 1 ] || [ -z "$1" ]; then
	echo "usage: bash gpu/gpu_run.sh OUTDIR [--part a|b|c] [--budget-s N] [--first-seed K] [--rehearsal]" >&2
	exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$1" || exit 2
OUT=$(cd "$1" && pwd)
shift
PY=${PYTHON:-python3}
SITE=${GPU_RUN_SITE:-/tmp/site}
WHEELS=()
for w in "${WHEELHOUSE:-$ROOT/wheelhouse}"/*.whl; do [ -e "$w" ] && WHEELS+=("$w"); done
PARTS=${WHEEL_PARTS:-$ROOT/wheelhouse-parts}  # a wheel too large for one call, in parts (make wheelhouse-parts)
export PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
{
	echo "gpu_run: $(date -u +%FT%TZ) on $(hostname), $(nproc) cores, repo $ROOT, out $OUT"
	command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
	if [ -d "$PARTS" ] || [ -d "$SITE.parts" ]; then
		"$PY" -m gpu.wheel_parts gather "$PARTS" "$SITE.parts" || exit 2
		for w in "$SITE.parts"/*.whl; do [ -e "$w" ] && WHEELS+=("$w"); done
	fi
	stamp=$(ls "${WHEELS[@]}" 2>/dev/null | md5sum)
	if [ ${#WHEELS[@]} -eq 0 ]; then
		echo "install: no wheels: nothing installed ($PY must already have brax, mujoco, gymnasium, radon)"
	elif [ "$(cat "$SITE/.wheelhouse" 2>/dev/null)" = "$stamp" ]; then
		echo "install: the wheelhouse is already installed in $SITE"
	else
		"$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
			"${WHEELS[@]}" && echo "$stamp" >"$SITE/.wheelhouse" && echo "install: ${#WHEELS[@]} wheels into $SITE"
	fi
	cd "$ROOT" && "$PY" -m gpu.campaign gpu/gpu.toml --out "$OUT" "$@"
} 2>&1 | tee -a "$OUT/gpu_run.log"
exit "${PIPESTATUS[0]}"
