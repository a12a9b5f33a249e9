#!/usr/bin/env bash
# One GPU run of ppo-bench on an offline machine, within about 8 minutes: `bash bench/ops/gpu_run.sh OUTDIR`.
#
# Steps (each timed; a failed step never stops the next ones; the exit code says whether all went well):
#   install   the wheelhouse (wheelhouse/*.whl, or $WHEELHOUSE) into a --target dir, no index, no deps
#   gpu       JAX and torch both see the GPU, else stop at once with exit 2 (skipped in rehearsal)
#   packages  brax, mujoco, gymnasium, radon import; JAX <-> torch DLPack stays on the device (informative)
#   run:NAME  `python -m bench run --preset gpu-quick --device gpu --seeds 1 --contenders NAME`, one per contender
#   env       the env-only throughput sweep (`python -m bench env`), if this tree's bench has that command
#   learner   the learner-only sweep (`python -m bench learner`): jax-jit and torch-eager over batch and width
#   loc       `python -m bench loc`;  report: `python -m bench report --out OUTDIR/index.html`
#   pack      logs into OUTDIR/logs.tar.gz (the device tool brings back at most 8 files, 2 folders deep)
# OUTDIR then holds gpu_run.log, results.jsonl, index.html, logs.tar.gz. docs/GPU.md says how to use them.
#
# Environment:
#   WHEELHOUSE=DIR        wheels to install (default: <repo>/wheelhouse); none there: install is skipped
#   GPU_RUN_SITE=DIR      pip --target dir (default /tmp/site), put first on PYTHONPATH with the repo root
#   PYTHON=EXE            interpreter (default python3: on the lent GPU machines the one with JAX and torch)
#   GPU_RUN_REHEARSAL=1   rehearse on the CPU: no GPU check, --device cpu, REHEARSAL_SETS shrink the preset
#   GPU_RUN_CONTENDERS    comma-separated contenders run before the sweeps (default: jax,torch,brax-ppo,torch-brax)
#   GPU_RUN_LATE          contenders run after the sweeps, if the budget allows (default: torch-compile)
#   GPU_RUN_BUDGET_S      wall-time budget of the whole script (default 560, for a 600 s device call; rehearsal 1200)
#   GPU_RUN_ENV=0         leave out the env-only sweep;  GPU_RUN_LEARNER=0: the learner-only sweep
#
# Time limits: a step that outlives its limit is stopped with everything it started. Trainers run in their
# own sessions (bench/harness/runner.py), so coreutils `timeout`, which signals one process group, would leave a
# trainer holding the GPU; `limited` below collects the step's whole process tree first, then ends it.
set -u -o pipefail

PRESET=gpu-quick
# CPU rehearsal: same preset and code paths, a tiny run (2 updates of 8 envs x 64 steps, short evaluations).
REHEARSAL_SETS=(total_timesteps=1024 num_envs=8 num_steps=64 num_minibatches=8 num_evals=2 eval_episodes=2 episode_length=100 run_timeout_s=300)
RESERVE_S=75 # kept back for loc, report and pack
RUN_SLACK_S=30 # a contender's step limit: the preset's run_timeout_s plus this (harness start, records)
MIN_RUN_S=60   # a contender is not started with less than this left of the budget

usage() {
	echo "usage: bash bench/ops/gpu_run.sh OUTDIR   (env: WHEELHOUSE, GPU_RUN_REHEARSAL=1, ...; see the header)" >&2
	exit 2
}

[ $# -eq 1 ] && [ -n "$1" ] || usage
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$1" || exit 2
OUT=$(cd "$1" && pwd)
PY=${PYTHON:-python3}
REHEARSAL=${GPU_RUN_REHEARSAL:-0}
# jax first (the headline, and the longest compile); brax-ppo early (on JAX 0.11 it stops within seconds);
# torch-compile after the sweeps (inductor + CUDA graphs: the slowest start, and never run on a GPU before).
CONTENDERS=${GPU_RUN_CONTENDERS:-jax,torch,brax-ppo,torch-brax}
LATE_CONTENDERS=${GPU_RUN_LATE-torch-compile}
WHEELS=${WHEELHOUSE:-$ROOT/wheelhouse}
SITE=${GPU_RUN_SITE:-/tmp/site}
if [ "$REHEARSAL" = 1 ]; then
	BUDGET_S=${GPU_RUN_BUDGET_S:-1200}
	DEVICE=cpu
	OVERRIDES=("${REHEARSAL_SETS[@]}")
	ENV_ARGS=(--task hopper --num-envs 4 --brax-backends mjx --gym-modes sync --budget-steps 400)
	LEARNER_ARGS=(--frameworks jax-jit,torch-eager --preset "$PRESET" --batch-sizes 256 --hiddens 16x16 --rounds 2 --device cpu)
	export JAX_PLATFORMS=cpu
else
	BUDGET_S=${GPU_RUN_BUDGET_S:-560}
	DEVICE=gpu
	OVERRIDES=()
	# The preset's num_envs up to 4096 Brax envs; one Brax backend (each point compiles once, ~10-30 s).
	ENV_ARGS=(--task hopper --num-envs 128,1024,4096 --brax-backends mjx --gym-modes sync --budget-steps 50000)
	# jax-jit and torch-eager only: torch-compile recompiles per shape (20-40 s each), it has its own run.
	LEARNER_ARGS=(--frameworks jax-jit,torch-eager --preset "$PRESET" --batch-sizes 8192,65536 --hiddens 64x64,256x256 --rounds 3 --device gpu)
fi
SETS=()
for kv in ${OVERRIDES[@]+"${OVERRIDES[@]}"}; do SETS+=(--set "$kv"); done
STORE=$OUT/results.jsonl
LOGS=$OUT/logs
START_S=$SECONDS
TIMINGS=()
FAILED=()

remaining() { echo $((BUDGET_S - (SECONDS - START_S))); }

descendants() { # PID -> every descendant's pid, read from /proc (no procps needed)
	local -A kids=()
	local stat line pid ppid rest queue=("$1") out=()
	for stat in /proc/[0-9]*/stat; do
		{ read -r line <"$stat"; } 2>/dev/null || continue
		rest=${line##*) }
		read -r _ ppid _ <<<"$rest"
		kids[$ppid]+=" ${line%% *}"
	done
	while ((${#queue[@]})); do
		pid=${queue[0]}
		queue=("${queue[@]:1}")
		for rest in ${kids[$pid]:-}; do
			out+=("$rest")
			queue+=("$rest")
		done
	done
	echo "${out[@]}"
}

limited() { # LIMIT_S CMD... : run CMD; past LIMIT_S, TERM then KILL it and all it started; 124 = timed out
	local limit=$1 started=$SECONDS pid tree
	shift
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS - started >= limit)); then
			tree="$pid $(descendants "$pid")"
			echo "[limit] ${limit} s reached: stopping pids $tree" >&2
			kill -TERM $tree 2>/dev/null
			sleep 5
			kill -KILL $tree 2>/dev/null
			wait "$pid" 2>/dev/null
			return 124
		fi
		sleep 1
	done
	wait "$pid"
}

step() { # NAME LIMIT_S CMD... : one timed step; its failure is recorded, never fatal
	local name=$1 limit=$2 t0=$SECONDS rc
	shift 2
	echo
	echo "=== [$name] start: limit ${limit} s, $(remaining) s left of the ${BUDGET_S} s budget"
	echo "=== [$name] \$ $*"
	limited "$limit" "$@"
	rc=$?
	((rc == 124)) && echo "=== [$name] TIMED OUT after ${limit} s"
	echo "=== [$name] exit $rc in $((SECONDS - t0)) s"
	TIMINGS+=("$(printf '%-20s %5d s   exit %d' "$name" $((SECONDS - t0)) "$rc")")
	((rc == 0)) || FAILED+=("$name")
	return "$rc"
}

skip() { # NAME REASON [ok] : a step not run; a failure of the whole script unless "ok" (skipped on purpose)
	echo
	echo "=== [$1] SKIPPED: $2"
	TIMINGS+=("$(printf '%-20s %5s     skipped: %s' "$1" - "$2")")
	[ "${3:-}" = ok ] || FAILED+=("$1")
}

bench() { "$PY" -m bench --store "$STORE" "$@"; }

accept_unavailable() { # NAME : a run that ended with EXIT_UNAVAILABLE, 4 (brax.training unusable here), is a skip
	local reason
	reason=$("$PY" - "$STORE" "$1" <<'EOF'
import re
import sys
from pathlib import Path

from bench.harness.store import read_records
from shared_spec.exit_codes import EXIT_UNAVAILABLE

runs = [r for r in read_records(Path(sys.argv[1]), record_type="run") if r.get("contender") == sys.argv[2]]
if not runs or runs[-1].get("exit_code") != EXIT_UNAVAILABLE:
    sys.exit(1)
lines = (runs[-1].get("error_tail") or "").splitlines()
errors = [line for line in lines if re.match(r"[\w.]*(Error|Exception)\b", line)]
print((errors or lines or ["no stderr"])[-1].strip())
EOF
	) || return 1
	echo "=== [run:$1] counted as SKIPPED, not failed: exit code 4 = brax.training unusable here: $reason"
	unset 'FAILED[-1]'
	TIMINGS[-1]+="  (skipped: $reason)"
}

install_wheels() {
	local wheels=("$WHEELS"/*.whl)
	if [ ! -e "${wheels[0]}" ]; then
		echo "install: no wheels in $WHEELS: nothing installed ($PY must already have brax, mujoco, gymnasium, radon)"
		return 0
	fi
	echo "install: ${#wheels[@]} wheels, $(du -sh "$WHEELS" | cut -f1) from $WHEELS into $SITE"
	"$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" "${wheels[@]}"
}

check_gpu() { # exit 0 when JAX and torch both see a GPU; else one clear error line and exit 2
	"$PY" - <<'EOF'
import sys

import jax
import torch

devices = jax.devices()
jax_gpus = [d for d in devices if d.platform in ("gpu", "cuda")]
print(f"jax {jax.__version__}: default backend {jax.default_backend()}, devices {devices}")
cuda = torch.cuda.is_available()
name = f", {torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}" if cuda else ""
print(f"torch {torch.__version__}: cuda available {cuda}{name}")
problems = [] if jax_gpus else [f"JAX sees no GPU (jax.devices() = {devices})"]
problems += [] if cuda else ["torch.cuda.is_available() is False"]
if problems:
    print(
        "error: no usable GPU: " + "; ".join(problems) + ". Every contender runs with --device gpu here, so "
        "nothing would run; set GPU_RUN_REHEARSAL=1 to rehearse on the CPU.",
        file=sys.stderr,
    )
    sys.exit(2)
EOF
}

check_packages() { # what the contenders import, and a DLPack round trip; informative, never aborts
	"$PY" - <<'EOF'
import importlib
import sys
import warnings
from importlib import metadata

warnings.filterwarnings("ignore")
bad = []
for dist, module in (("brax", "brax.envs"), ("mujoco", "mujoco"), ("mujoco-mjx", "mujoco.mjx"),
                     ("gymnasium", "gymnasium"), ("radon", "radon"), ("flax", "flax"), ("optax", "optax")):
    try:
        importlib.import_module(module)
        print(f"ok   {module:22s} {metadata.version(dist)}")
    except Exception as err:  # report every missing piece, not only the first
        bad.append(module)
        print(f"FAIL {module:22s} {type(err).__name__}: {err}")
try:
    import jax.numpy as jnp
    import torch
    from jax import dlpack

    x = jnp.arange(4.0)
    t = torch.from_dlpack(x)
    y = dlpack.from_dlpack(t * 2)
    print(f"ok   DLPack jax {list(x.devices())} -> torch {t.device} -> jax {list(y.devices())}")
except Exception as err:
    bad.append("dlpack")
    print(f"FAIL DLPack round trip: {type(err).__name__}: {err}")
sys.exit(1 if bad else 0)
EOF
}

run_contender() { # NAME RUN_TIMEOUT_S : one contender, one seed, within its limit or what the budget has left
	local name=$1 limit=$(($2 + RUN_SLACK_S))
	(($(remaining) - RESERVE_S < limit)) && limit=$(($(remaining) - RESERVE_S))
	if ((limit < MIN_RUN_S)); then
		skip "run:$name" "only ${limit} s left of the budget before loc/report"
		return
	fi
	step "run:$name" "$limit" bench run --preset "$PRESET" --device "$DEVICE" --seeds 1 --contenders "$name" \
		--logs-dir "$LOGS" ${SETS[@]+"${SETS[@]}"} || accept_unavailable "$name"
}

run_sweep() { # NAME ENABLED CAP_S ARGS... : `bench NAME ARGS...` within CAP_S or what the budget has left
	local name=$1 enabled=$2 cap=$3 limit=$(($(remaining) - RESERVE_S))
	shift 3
	if [ "$enabled" = 0 ]; then
		skip "$name" "disabled (GPU_RUN_${name^^}=0)" ok
	elif ((limit < 40)); then
		skip "$name" "only ${limit} s left before loc/report"
	else
		step "$name" $((limit < cap ? limit : cap)) bench "$name" "$@"
	fi
}

pack_logs() {
	[ -d "$LOGS" ] || {
		echo "pack: no logs"
		return 0
	}
	tar -czf "$OUT/logs.tar.gz" -C "$OUT" logs && rm -rf "$LOGS" && echo "pack: $OUT/logs.tar.gz"
}

main() {
	cd "$ROOT" || return 2
	echo "gpu_run: $(date -u +%FT%TZ) on $(hostname), repo $ROOT ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no git')), out $OUT"
	echo "gpu_run: preset $PRESET, device $DEVICE, contenders $CONTENDERS then sweeps then ${LATE_CONTENDERS:-none}, budget ${BUDGET_S} s, rehearsal $REHEARSAL"
	command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
	export PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
	mkdir -p "$SITE" "$LOGS"

	step install 120 install_wheels
	if [ "$REHEARSAL" = 1 ]; then
		echo "gpu: rehearsal (GPU_RUN_REHEARSAL=1): GPU check skipped, every run on --device cpu"
	elif ! step gpu 120 check_gpu; then
		echo "gpu_run: stopping: the GPU is not usable by both frameworks (see above)"
		return 2
	fi
	step packages 120 check_packages

	local run_timeout name limit
	run_timeout=$("$PY" -c "import sys; from shared_spec.presets import resolve_spec; print(resolve_spec(sys.argv[1], sys.argv[2:]).run_timeout_s)" \
		"$PRESET" ${OVERRIDES[@]+"${OVERRIDES[@]}"}) || run_timeout=240
	IFS=, read -r -a names <<<"$CONTENDERS"
	for name in "${names[@]}"; do run_contender "$name" "$run_timeout"; done

	run_sweep env "${GPU_RUN_ENV:-1}" 120 "${ENV_ARGS[@]}"
	run_sweep learner "${GPU_RUN_LEARNER:-1}" 90 "${LEARNER_ARGS[@]}"
	IFS=, read -r -a names <<<"$LATE_CONTENDERS"
	for name in ${names[@]+"${names[@]}"}; do run_contender "$name" "$run_timeout"; done
	step loc 30 bench loc
	step report 90 bench report --out "$OUT/index.html"
	step pack 30 pack_logs

	echo
	echo "=== timings (wall s; budget ${BUDGET_S} s, used $((SECONDS - START_S)) s)"
	printf '%s\n' "${TIMINGS[@]}"
	ls -la "$OUT"
	if ((${#FAILED[@]})); then
		echo "gpu_run: FAILED steps: ${FAILED[*]}"
		return 1
	fi
	echo "gpu_run: all steps ok"
}

[[ ${BASH_SOURCE[0]} != "$0" ]] && return 0 # sourced (tests): define the functions, run nothing
main 2>&1 | tee "$OUT/gpu_run.log"
exit "${PIPESTATUS[0]}"
