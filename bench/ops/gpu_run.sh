#!/usr/bin/env bash
# The GPU campaign of ppo-bench on an offline machine: `bash bench/ops/gpu_run.sh OUTDIR` (docs/GPU.md).
#
# In priority order, each record stored as soon as its run ends (whatever finishes first is what matters most):
#   part a  1. the framework on one simulator at Brax scale: preset gpu-scale (hopper, Brax MJX, 2048 envs):
#              jax, torch-brax-compile (whole step compiled, CUDA graphs), torch-brax (eager), seed by seed
#              (round r = seed r of each), GPU_RUN_SEEDS rounds; plus the eager trainer's host-sync check
#   part b  2. the learner-only ladder: jax-jit, torch-eager, torch-compile-cudagraphs on gpu-scale's update
#              and over batch x width;
#           3. the framework on the CPU simulator: preset gpu-gym (Gymnasium MuJoCo C, async workers on the
#              host's cores): torch and jax-gym;
#           4. the env-only control (Brax MJX from 256 to 16,384 envs; Gymnasium sync vs async);
#           5. brax-ppo where the installed JAX lets it run; then (both parts) code metrics and the report.
# GPU_RUN_PART=a or b runs one part (two device calls, the second on the same warm machine resumes from the
# first's store); the default, all, runs a then b in one call.
#
# Steps (each timed; a failed step never stops the next ones; the exit code says whether all went well):
#   install   the wheelhouse (wheelhouse/*.whl, or $WHEELHOUSE) into a --target dir, no index, no deps
#   gpu       JAX and torch both see the GPU, else stop at once with exit 2 (skipped in rehearsal)
#   packages  brax, mujoco, gymnasium, radon import; JAX <-> torch DLPack stays on the device (informative)
#   sync      `python -m bench.ops.sync_check`: a steady eager update makes no host sync (GPU only)
#   run:NAME:sSEED  `python -m bench run --preset P --device gpu --first-seed K --seeds R+1 --contenders NAME` (resume
#             skips the seeds already stored ok; a contender that failed is not started again)
#   learner, env-brax, env-gym   the controls (`python -m bench learner|env`)
#   loc, report, pack   code metrics; `python -m bench report --out OUTDIR/index.html`; logs into a tarball
# OUTDIR then holds gpu_run.log, results.jsonl, index.html, logs.tar.gz. docs/GPU.md says how to use them.
#
# Environment:
#   WHEELHOUSE=DIR        wheels to install (default: <repo>/wheelhouse); none there: install is skipped
#   GPU_RUN_SITE=DIR      pip --target dir (default /tmp/site), put first on PYTHONPATH with the repo root
#   PYTHON=EXE            interpreter (default python3: on the lent GPU machines the one with JAX and torch)
#   GPU_RUN_REHEARSAL=1   rehearse on the CPU: no GPU check, --device cpu, REHEARSAL_SETS shrink the presets
#   GPU_RUN_PART          a, b or all (default all)
#   GPU_RUN_SEEDS         seeds per contender (default 2)
#   GPU_RUN_FIRST_SEED    the first seed (default 0): a later run of the same code adds seeds K.. to the published
#                         ones instead of repeating them (docs/GPU.md, "Seeds accumulate")
#   GPU_RUN_CONTENDERS    part a's contenders (default jax,torch-brax-compile,torch-brax)
#   GPU_RUN_GYM_CONTENDERS  part b's CPU-simulator contenders (default torch,jax-gym; unknown names skipped)
#   GPU_RUN_STATE=DIR     the store and JAX's compilation cache (default /tmp/ppo-bench-gpu-run; rehearsal:
#                         OUTDIR/state): kept between two calls on one machine; results.jsonl is copied into
#                         OUTDIR at the end
#   GPU_RUN_JAX_CACHE=0   no persistent JAX compilation cache (default: on, one folder per contender, torch-brax
#                         and torch-brax-compile sharing one: the first run of a program compiles cold, later
#                         seeds start warm and are labelled so; the report keeps them apart)
#   GPU_RUN_BUDGET_S      wall-time budget of the whole script (default 560, for a 600 s device call; rehearsal 1500)
#   GPU_RUN_LEARNER=0, GPU_RUN_ENV=0, GPU_RUN_BRAX_PPO=0   leave out that step
#
# Time limits: a step that outlives its limit is stopped with everything it started. Trainers run in their
# own sessions (bench/harness/runner.py), so coreutils `timeout`, which signals one process group, would leave a
# trainer holding the GPU; `limited` below collects the step's whole process tree first, then ends it.
set -u -o pipefail

PRESET=gpu-scale
GYM_PRESET=gpu-gym
# CPU rehearsal: the same presets and code paths, tiny runs (2 updates of 8 envs x 16 steps, short evaluations).
REHEARSAL_SETS=(total_timesteps=256 num_envs=8 num_steps=16 num_minibatches=4 update_epochs=2 num_evals=2 eval_episodes=2 episode_length=50 run_timeout_s=400)
RESERVE_S=45   # kept back for loc, report and pack
RUN_SLACK_S=30 # a contender's step limit: the preset's run_timeout_s plus this (harness start, records)
MIN_RUN_S=45   # a contender is not started with less than this left of the budget

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
PART=${GPU_RUN_PART:-all}
SEEDS=${GPU_RUN_SEEDS:-2}
FIRST_SEED=${GPU_RUN_FIRST_SEED:-0}
CONTENDERS=${GPU_RUN_CONTENDERS-jax,torch-brax-compile,torch-brax}
GYM_CONTENDERS=${GPU_RUN_GYM_CONTENDERS-torch,jax-gym}
WHEELS=${WHEELHOUSE:-$ROOT/wheelhouse}
SITE=${GPU_RUN_SITE:-/tmp/site}
STATE=${GPU_RUN_STATE:-/tmp/ppo-bench-gpu-run}
[ "$REHEARSAL" = 1 ] && STATE=${GPU_RUN_STATE:-$OUT/state} # a rehearsal never resumes an earlier one
case $PART in a | b | all) ;; *)
	echo "error: GPU_RUN_PART: got '$PART'; allowed: a, b, all" >&2
	exit 2
	;;
esac
if [ "$REHEARSAL" = 1 ]; then
	BUDGET_S=${GPU_RUN_BUDGET_S:-1500}
	DEVICE=cpu
	OVERRIDES=("${REHEARSAL_SETS[@]}")
	ENV_BRAX_ARGS=(--task hopper --num-envs 4 --brax-backends mjx --gym-modes "" --budget-steps 200)
	ENV_GYM_ARGS=(--task hopper --num-envs 2 --brax-backends "" --gym-modes sync,async --budget-steps 200)
	LEARNER_ARGS=(--frameworks jax-jit,torch-eager,torch-compile --preset "$PRESET" --batch-sizes 256 --hiddens 16x16 --rounds 2 --device cpu)
	export JAX_PLATFORMS=cpu
else
	BUDGET_S=${GPU_RUN_BUDGET_S:-560}
	DEVICE=gpu
	OVERRIDES=()
	# MJX is latency-bound up to a few thousand envs: where the GPU simulator starts to pay (env-only control).
	ENV_BRAX_ARGS=(--task hopper --num-envs 256,2048,8192,16384 --brax-backends mjx --gym-modes "" --budget-steps 200000)
	# async runs one process per env: measured at sizes a 16-core host can take (the vector_env=auto rule).
	ENV_GYM_ARGS=(--task hopper --num-envs 4,16,64 --brax-backends "" --gym-modes sync,async --budget-steps 50000)
	# torch-compile-cudagraphs compiles once per shape (20-40 s): few shapes, the preset's own first.
	LEARNER_ARGS=(--frameworks jax-jit,torch-eager,torch-compile-cudagraphs --preset "$PRESET" --batch-sizes 8192,262144 --hiddens 64x64,512x512 --rounds 3 --device gpu)
fi
SETS=()
for kv in ${OVERRIDES[@]+"${OVERRIDES[@]}"}; do SETS+=(--set "$kv"); done
STORE=$STATE/results.jsonl
LOGS=$OUT/logs
START_S=$SECONDS
TIMINGS=()
FAILED=()
declare -A GAVE_UP=() # contender -> why it is not started again

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
	[ -f "$STORE" ] && cp "$STORE" "$OUT/results.jsonl" # what a call cut short still brings back
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

run_contender() { # NAME ROUND PRESET : seed FIRST_SEED+ROUND of NAME, within its limit or what the budget has left
	local name=$1 seed=$2 preset=$3 limit run_timeout label="run:$1:s$((FIRST_SEED + $2))"
	if [ -n "${GAVE_UP[$name]:-}" ]; then
		skip "$label" "not started again: ${GAVE_UP[$name]}" ok
		return
	fi
	run_timeout=$("$PY" -c "import sys; from shared_spec.presets import resolve_spec; print(resolve_spec(sys.argv[1], sys.argv[2:]).run_timeout_s)" \
		"$preset" ${OVERRIDES[@]+"${OVERRIDES[@]}"}) || run_timeout=240
	limit=$((run_timeout + RUN_SLACK_S))
	(($(remaining) - RESERVE_S < limit)) && limit=$(($(remaining) - RESERVE_S))
	if ((limit < MIN_RUN_S)); then
		skip "$label" "only ${limit} s left of the budget before loc/report"
		return
	fi
	# One JAX cache folder per program family: a run is warm only when its own programs were compiled before
	# (torch-brax and torch-brax-compile share the Brax env's programs; each other contender has its own).
	[ "${GPU_RUN_JAX_CACHE:-1}" != 0 ] && export JAX_COMPILATION_CACHE_DIR="$STATE/jax-cache/${name%-compile}"
	if ! step "$label" "$limit" bench run --preset "$preset" --device "$DEVICE" --first-seed "$FIRST_SEED" \
		--seeds $((seed + 1)) --contenders "$name" --logs-dir "$LOGS" ${SETS[@]+"${SETS[@]}"}; then
		accept_unavailable "$name" || true
		GAVE_UP[$name]="seed $((FIRST_SEED + seed)) did not end ok (see its record)"
	fi
}

known_contenders() { # NAMES (comma-separated) -> those this tree's bench knows; the others are skipped
	"$PY" - "$1" <<'EOF'
import sys

from bench.harness.contenders import CONTENDERS

names = [n for n in sys.argv[1].split(",") if n]
for name in names:
    if name not in CONTENDERS:
        print(f"gpu_run: contender {name} is not in this tree's table: skipped", file=sys.stderr)
print(",".join(n for n in names if n in CONTENDERS))
EOF
}

run_rounds() { # PRESET NAMES [FIRST [END]] : seeds FIRST..END-1 (default 0..SEEDS-1), each contender once per round
	local preset=$1 names seed name
	IFS=, read -r -a names <<<"$2"
	for ((seed = ${3:-0}; seed < ${4:-$SEEDS}; seed++)); do
		for name in ${names[@]+"${names[@]}"}; do run_contender "$name" "$seed" "$preset"; done
	done
}

run_sweep() { # LABEL ENABLED CAP_S SUBCOMMAND ARGS... : `bench SUBCOMMAND ARGS...` within CAP_S or what is left
	local label=$1 enabled=$2 cap=$3 limit=$(($(remaining) - RESERVE_S))
	shift 3
	if [ "$enabled" = 0 ]; then
		skip "$label" "disabled" ok
	elif ((limit < 30)); then
		skip "$label" "only ${limit} s left before loc/report"
	else
		step "$label" $((limit < cap ? limit : cap)) bench "$@"
	fi
}

part_a() {
	if [ "$REHEARSAL" = 1 ]; then
		skip sync "GPU only (rehearsal on the CPU)" ok
	else
		step sync 90 "$PY" -m bench.ops.sync_check --preset "$PRESET"
	fi
	run_rounds "$PRESET" "$CONTENDERS"
}

part_b() {
	local gym
	gym=$(known_contenders "$GYM_CONTENDERS")
	run_rounds "$GYM_PRESET" "$gym" 0 1 # 3. one seed of each on the CPU simulator first: the matrix's other column
	run_sweep learner "${GPU_RUN_LEARNER:-1}" 150 learner "${LEARNER_ARGS[@]}"
	run_rounds "$PRESET" "$CONTENDERS" # what part a left (resume: seeds stored ok are not run again)
	run_rounds "$GYM_PRESET" "$gym" 1
	run_sweep env-brax "${GPU_RUN_ENV:-1}" 90 env "${ENV_BRAX_ARGS[@]}"
	run_sweep env-gym "${GPU_RUN_ENV:-1}" 60 env "${ENV_GYM_ARGS[@]}"
	if [ "${GPU_RUN_BRAX_PPO:-1}" = 0 ]; then
		skip run:brax-ppo "disabled" ok
	else
		run_contender brax-ppo 0 "$PRESET"
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
	echo "gpu_run: part $PART, presets $PRESET and $GYM_PRESET, device $DEVICE, seeds $FIRST_SEED..$((FIRST_SEED + SEEDS - 1)), contenders $CONTENDERS (then ${GYM_CONTENDERS:-none}), budget ${BUDGET_S} s, rehearsal $REHEARSAL, state $STATE"
	command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
	echo "host: $(nproc) cores usable, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	export PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
	mkdir -p "$SITE" "$LOGS" "$STATE"
	[ "${GPU_RUN_JAX_CACHE:-1}" != 0 ] && echo "jax compilation caches: $STATE/jax-cache/<contender> ($(find "$STATE/jax-cache" -type f 2>/dev/null | wc -l) files at start)"

	step install 120 install_wheels
	if [ "$REHEARSAL" = 1 ]; then
		echo "gpu: rehearsal (GPU_RUN_REHEARSAL=1): GPU check skipped, every run on --device cpu"
	elif ! step gpu 120 check_gpu; then
		echo "gpu_run: stopping: the GPU is not usable by both frameworks (see above)"
		return 2
	fi
	step packages 120 check_packages

	[ "$PART" = b ] || part_a
	[ "$PART" = a ] || part_b
	step loc 30 bench loc
	step report 60 bench report --out "$OUT/index.html"
	[ -f "$STORE" ] && cp "$STORE" "$OUT/results.jsonl"
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
