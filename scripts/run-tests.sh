#!/usr/bin/env bash
# `make test`'s test run: `swift test --skip-build` with its output in .build/test-output.txt, watched
# for a stall. A test that hangs must not hold CI until its 90-minute limit and end it with no word
# of where it hung: when the output has not grown for INFRASIGHT_TEST_STALL_SECONDS (600 by default,
# three times the longest test), this prints the test that was running and every thread's backtrace
# of the test process (gdb), then kills it, so the run fails now and says why. Output is line-buffered
# (stdbuf), so the log shows where a test is, not where it was a 4 KiB block ago.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="$ROOT/.build/test-output.txt"
STALL=${INFRASIGHT_TEST_STALL_SECONDS:-600}
: > "$OUT"

# One test process runs hundreds of tests that each start brokers, ClickHouse and clients: give it
# the hard limit of open files, not a login shell's soft 1024.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export INFRASIGHT_TEST_RUN="run-tests-$$-$RANDOM"   # marks every process of this run (see below)
( stdbuf -oL -eL "${SWIFT:-swift}" test "$@" --skip-build 2>&1 | tee -a "$OUT"; exit "${PIPESTATUS[0]}" ) &
RUN=$!

# The test processes (xctest) among the descendants of $1: never another test run on this machine.
test_processes() {
  local pid
  for pid in $(pgrep -P "$1"); do
    grep -q 'xctest' "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
    test_processes "$pid"
  done
}

# Every process of this run but this script: the test process and the brokers, ClickHouse servers
# and stages it started, found by the environment they inherit (a server that daemonised has left the
# process tree, not its environment).
processes_of_this_run() {
  local env pid
  for env in /proc/[0-9]*/environ; do
    pid=${env#/proc/}; pid=${pid%/environ}
    [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
    tr '\0' '\n' < "$env" 2>/dev/null | grep -qx "INFRASIGHT_TEST_RUN=$INFRASIGHT_TEST_RUN" && echo "$pid"
  done
}

watch_for_stall() {
  local last_size=-1 still=0 size pids
  while kill -0 "$RUN" 2>/dev/null; do
    sleep 15
    size=$(stat -c %s "$OUT" 2>/dev/null || echo 0)
    if [ "$size" != "$last_size" ]; then last_size=$size; still=0; continue; fi
    still=$((still + 15))
    [ "$still" -lt "$STALL" ] && continue
    pids=$(test_processes "$RUN")
    {
      echo
      echo "=== run-tests.sh: no test output for ${still} s; the test running is:"
      grep "^Test Case '.*' started" "$OUT" | tail -1
      for pid in $pids; do
        echo "=== backtraces of test process $pid:"
        timeout 180 gdb -p "$pid" -batch -ex 'set complaints 0' -ex 'thread apply all bt 30' 2>&1 \
          | grep -v '^\[New LWP\|^warning:\|^During symbol reading' | head -600
      done
      echo "=== run-tests.sh: killing the stalled test process and what it started; this run FAILS"
    } | tee -a "$OUT" >&2
    # shellcheck disable=SC2046
    kill -9 $pids $(processes_of_this_run) 2>/dev/null
    return
  done
}
watch_for_stall &
WATCH=$!

wait "$RUN"
rc=$?
kill "$WATCH" 2>/dev/null
wait "$WATCH" 2>/dev/null
exit "$rc"
