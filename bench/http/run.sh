#!/usr/bin/env bash
# minkd under wrk, with the two ceilings it is measured against, in one run:
#   1. minkd (--fulfillment manual) on an embedded PostgreSQL (durable, fresh data directory):
#      lifecycle.lua (create, 3 x add item, submit: commands/s), then reads.lua (GET /orders/{id} over
#      the orders just submitted: reads/s); minkd is stopped with SIGTERM and must exit 0;
#   2. the bare Beast handler (mink-bench-beast-ceiling) under the same reads.lua load;
#   3. durable single-row INSERTs from 16 libpq connections (mink-bench-insert-ceiling).
# Each wrk run is preceded by an unmeasured one of $WARMUP seconds. The last line of output is one
# JSON object with every figure and the ratios. Builds nothing.
#
# usage: bench/http/run.sh [BUILD_DIR]        (default: build, relative to the current directory)
# environment:
#   DURATION=20        seconds of each measured wrk run, and of the insert ceiling
#   WARMUP=2           seconds of the unmeasured wrk run before each measured one (0: none)
#   CONNECTIONS=64     wrk connections; WRK_THREADS=2 wrk threads
#   SERVER_THREADS=N   io_context threads of minkd and of the Beast ceiling (default: nproc)
#   MINKD_ARGS=...     further minkd arguments (e.g. --pool-size 16)
#   MINKD=PATH         the minkd executable (default: BUILD_DIR/examples/minkd/minkd)
#   KEEP_WORK=1        keep the directory with the raw outputs (its path is printed)
# Exit status: 0 when everything ran (targets met or not), 1 on a failure, 130 when interrupted.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build}
build=$(cd "$build" && pwd) || { echo "run.sh: no build directory $1" >&2; exit 1; }
duration=${DURATION:-20}
warmup=${WARMUP:-2}
connections=${CONNECTIONS:-64}
wrk_threads=${WRK_THREADS:-2}
server_threads=${SERVER_THREADS:-$(nproc)}
read -r -a minkd_args <<<"${MINKD_ARGS:-}"

minkd=${MINKD:-$build/examples/minkd/minkd}
beast=$build/bench/http/mink-bench-beast-ceiling
insert=$build/bench/http/mink-bench-insert-ceiling
for exe in "$minkd" "$beast" "$insert"; do
  [[ -x $exe ]] || { echo "run.sh: $exe is missing: build it first (targets minkd, mink_bench_beast_ceiling, mink_bench_insert_ceiling)" >&2; exit 1; }
done
for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mink-bench-http-XXXXXX")
# wrk's threads write the ids file; minkd, when root, runs its PostgreSQL as another user but never
# reads this directory.
server_pid=""
server_name=""
run_tag=$(printf '%x' "$(date +%s)")  # order keys: o<run_tag><wrk run>-<wrk thread>-<n>
wrk_runs=0

stop_server() {  # SIGTERM, wait (30 s at most); returns the server's exit status
  local pid=$server_pid status=0
  [[ -n $pid ]] || return 0
  server_pid=""
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "run.sh: $server_name ignored SIGTERM for 30 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" || status=$?
  return "$status"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_server >/dev/null 2>&1 || true
  if [[ ${KEEP_WORK:-0} == 1 || $status -ne 0 ]]; then
    echo "run.sh: raw outputs kept in $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "run.sh: $*" >&2
  exit 1
}

# start_server NAME COMMAND...: starts it, waits for its "listening on http://ADDR:PORT" line
# (90 s at most: minkd initialises its embedded PostgreSQL first) and sets $url.
start_server() {
  server_name=$1
  shift
  "$@" >"$work/$server_name.out" 2>"$work/$server_name.err" &
  server_pid=$!
  url=""
  for _ in $(seq 900); do
    url=$(grep -o 'listening on http://[^ ]*' "$work/$server_name.out" | head -n1 | sed 's/^listening on //') || true
    [[ -n $url ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$work/$server_name.err" >&2 || true
  fail "$server_name did not print its listening line"
}

# run_wrk NAME SCRIPT SECONDS [SCRIPT ARGS...]: one wrk run against $url; its output in $work/NAME.txt
# and its MINK_WRK line in $work/NAME.json.
run_wrk() {
  local name=$1 script=$2 seconds=$3
  shift 3
  wrk_runs=$((wrk_runs + 1))  # a tag of its own, so that no run creates an order an earlier one did
  MINK_BENCH_TAG=$run_tag$wrk_runs \
    wrk -c"$connections" -t"$wrk_threads" -d"${seconds}s" --latency -s "$here/$script" "$url" -- "$@" \
    >"$work/$name.txt" 2>&1 || { cat "$work/$name.txt" >&2; fail "wrk $name failed"; }
  grep '^MINK_WRK ' "$work/$name.txt" | sed 's/^MINK_WRK //' >"$work/$name.json" ||
    { cat "$work/$name.txt" >&2; fail "wrk $name printed no summary line"; }
}

# wait_readable ID: until GET /orders/ID answers 200 (the read side may trail the commands), 30 s at most.
wait_readable() {
  local code
  for _ in $(seq 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url/orders/$1") || true
    [[ $code == 200 ]] && return 0
    sleep 0.1
  done
  echo "run.sh: GET /orders/$1 still answers $code after 30 s" >&2
}

echo "bench/http: $connections connections, $wrk_threads wrk threads, ${duration} s per run after ${warmup} s warm-up, server threads $server_threads"

# 1. minkd
start_server minkd "$minkd" --listen 127.0.0.1:0 --fulfillment manual --threads "$server_threads" \
  --log-level warn "${minkd_args[@]}"
echo "minkd: $url"
if [[ $warmup != 0 ]]; then
  run_wrk minkd-lifecycle-warmup lifecycle.lua "$warmup"
fi
run_wrk minkd-lifecycle lifecycle.lua "$duration" "$work/ids.txt"
sed -n '/^Running/,/^MINK_WRK/p' "$work/minkd-lifecycle.txt"
[[ -s $work/ids.txt ]] || fail "no order was submitted (see the lifecycle output above)"
wait_readable "$(tail -n1 "$work/ids.txt")"
if [[ $warmup != 0 ]]; then
  run_wrk minkd-reads-warmup reads.lua "$warmup" "$work/ids.txt"
fi
run_wrk minkd-reads reads.lua "$duration" "$work/ids.txt"
sed -n '/^Running/,/^reads:/p' "$work/minkd-reads.txt"
minkd_status=0
stop_server || minkd_status=$?
[[ $minkd_status == 0 ]] || { tail -n 20 "$work/minkd.err" >&2; fail "minkd exited with status $minkd_status after SIGTERM"; }
echo "minkd: stopped, exit status 0"

# 2. the Beast ceiling, same reads
start_server beast "$beast" --listen 127.0.0.1:0 --threads "$server_threads"
echo "beast ceiling: $url"
if [[ $warmup != 0 ]]; then
  run_wrk beast-reads-warmup reads.lua "$warmup" "$work/ids.txt"
fi
run_wrk beast-reads reads.lua "$duration" "$work/ids.txt"
sed -n '/^Running/,/^reads:/p' "$work/beast-reads.txt"
stop_server || fail "the Beast ceiling exited with status $? after SIGTERM"

# 3. the INSERT ceiling (its own embedded PostgreSQL, durable)
"$insert" --seconds "$duration" >"$work/insert.txt" 2>"$work/insert.err" ||
  { cat "$work/insert.txt" "$work/insert.err" >&2; fail "the INSERT ceiling failed"; }
grep -v '^{' "$work/insert.txt" || true
tail -n1 "$work/insert.txt" >"$work/insert.json"

python3 - "$work" "$connections" "$duration" <<'EOF'
import json, re, sys

work, connections, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

def wrk_run(name):
    figures = json.load(open(f"{work}/{name}.json"))
    # wrk's own count of statuses >= 400, as a cross-check of the script's count of non-2xx.
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", open(f"{work}/{name}.txt").read())
    figures["wrk_non_2xx_3xx"] = int(m.group(1)) if m else 0
    return figures

commands, reads, beast = wrk_run("minkd-lifecycle"), wrk_run("minkd-reads"), wrk_run("beast-reads")
insert = json.load(open(f"{work}/insert.json"))

def ratio(a, b):
    return round(a / b, 3) if b > 0 else 0.0

non_2xx = sum(max(r["non_2xx"], r["wrk_non_2xx_3xx"]) for r in (commands, reads))
socket_errors = commands["socket_errors"] + reads["socket_errors"]
result = {
    "bench": "http",
    "connections": connections,
    "seconds": duration,
    "commands_per_s": commands["requests_per_s"],
    "reads_per_s": reads["requests_per_s"],
    "commands_p50_ms": commands["p50_ms"],
    "commands_p99_ms": commands["p99_ms"],
    "reads_p50_ms": reads["p50_ms"],
    "reads_p99_ms": reads["p99_ms"],
    "non_2xx": non_2xx,
    "socket_errors": socket_errors,
    "orders_submitted": commands.get("orders_submitted", 0),
    "beast_ceiling_rps": beast["requests_per_s"],
    "insert_ceiling_per_s": insert["inserts_per_s"],
    "commands_vs_insert_ceiling": ratio(commands["requests_per_s"], insert["inserts_per_s"]),
    "reads_vs_beast_ceiling": ratio(reads["requests_per_s"], beast["requests_per_s"]),
}
if commands["first_failure"] or reads["first_failure"]:
    print("first non-2xx: " + (commands["first_failure"] or reads["first_failure"]))

def target(name, value, relation, goal, met):
    print(f"target {name:<27} {value:>10} ({relation} {goal}) {'met' if met else 'NOT met'}")

target("commands_vs_insert_ceiling", result["commands_vs_insert_ceiling"], ">=", 2.0,
       result["commands_vs_insert_ceiling"] >= 2.0)
target("reads_vs_beast_ceiling", result["reads_vs_beast_ceiling"], ">=", 0.3, result["reads_vs_beast_ceiling"] >= 0.3)
target("non_2xx", non_2xx, "==", 0, non_2xx == 0)
for name in ("commands_p99_ms", "reads_p99_ms"):
    target(name, result[name], "<", 25, result[name] < 25)
print(json.dumps(result, separators=(",", ":")))
EOF
