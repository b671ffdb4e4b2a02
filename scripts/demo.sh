#!/usr/bin/env bash
# The local InfraSight pipeline on one machine: a Kafka-protocol broker (tansu) and ClickHouse on loopback,
# then the agent, two enrich workers, the sink and a detect worker, with every byte of state under one folder.
# detect writes each alert as a JSON line to <state folder>/alerts.jsonl (and to the topic infrasight.alerts).
#
#   scripts/demo.sh          start (or reuse) everything, show events live from ClickHouse; Ctrl-C stops it all
#   scripts/demo.sh up       start (or reuse) everything in the background and return
#   scripts/demo.sh status   what is running, then `infrasight status` against it
# `infrasight stack up|down|status` runs this script the same way.
#   scripts/demo.sh down     stop everything
#
# Environment: INFRASIGHT_DEMO_DIR (default ./var/demo), INFRASIGHT_DEMO_BROKER_PORT (19092),
# INFRASIGHT_DEMO_CLICKHOUSE_HTTP_PORT (18123), INFRASIGHT_DEMO_CLICKHOUSE_TCP_PORT (19000), INFRASIGHT_BIN.
# Site rules for detect on top of the built-in ones: INFRASIGHT_RULES=FILE (read by the stage itself).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${INFRASIGHT_DEMO_DIR:-$ROOT/var/demo}"
BROKER_PORT="${INFRASIGHT_DEMO_BROKER_PORT:-19092}"
CH_HTTP="${INFRASIGHT_DEMO_CLICKHOUSE_HTTP_PORT:-18123}"
CH_TCP="${INFRASIGHT_DEMO_CLICKHOUSE_TCP_PORT:-19000}"
BIN="${INFRASIGHT_BIN:-$ROOT/.build/release/infrasight}"
TANSU="$ROOT/.deps/bin/tansu"
export INFRASIGHT_BROKERS="127.0.0.1:$BROKER_PORT"
export INFRASIGHT_CLICKHOUSE_URL="http://127.0.0.1:$CH_HTTP"
export INFRASIGHT_BPF_DIR="${INFRASIGHT_BPF_DIR:-$ROOT/bpf/build}"
STAGES=(sink enrich-1 enrich-2 detect agent)
ALERTS="$DIR/alerts.jsonl"

# Descriptors inherited from whoever started this script (a supervising process's exit-watch socket,
# for one) must not live on in the background services, or that parent would never see us exit.
for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then eval "exec $fd>&-"; fi; done

# A closed terminal must not stop `down` half-way: ignore SIGPIPE and never fail on a write.
trap '' PIPE
say() { printf '\033[1m[demo]\033[0m %s\n' "$*" 2>/dev/null || true; }
die() { printf '\033[1m[demo]\033[0m %s\n' "$*" >&2; exit 1; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ -f "$DIR/run/$1.pid" ] && cat "$DIR/run/$1.pid" || true; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_broker() {
  local pid; pid=$(pid_of broker)
  if alive "$pid"; then say "broker already running (pid $pid) on 127.0.0.1:$BROKER_PORT"; return; fi
  listening "$BROKER_PORT" && die "port $BROKER_PORT is taken by something else; set INFRASIGHT_DEMO_BROKER_PORT"
  [ -x "$TANSU" ] || die "tansu not found at $TANSU: run \`make deps\`"
  say "starting broker (tansu) on 127.0.0.1:$BROKER_PORT"
  setsid nohup "$TANSU" broker --listener-url "tcp://127.0.0.1:$BROKER_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$BROKER_PORT" > "$DIR/logs/broker.log" 2>&1 &
  echo $! > "$DIR/run/broker.pid"
  for _ in $(seq 1 100); do listening "$BROKER_PORT" && return; sleep 0.1; done
  die "broker did not start; see $DIR/logs/broker.log"
}

start_stage() {
  local name=$1; shift
  local pid; pid=$(pid_of "$name")
  if alive "$pid"; then say "$name already running (pid $pid)"; return; fi
  say "starting $name: infrasight $*"
  setsid nohup "$BIN" "$@" > "$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/run/$name.pid"
}

up() {
  [ -x "$BIN" ] || die "$BIN not built: run \`make release\` (or \`make demo\`, which builds first)"
  [ "$(id -u)" = 0 ] || die "the agent loads eBPF programs: run as root"
  mkdir -p "$DIR/logs" "$DIR/run"
  start_broker
  say "starting ClickHouse on 127.0.0.1:$CH_HTTP (data in $DIR/clickhouse)"
  setsid bash "$ROOT/scripts/clickhouse-server.sh" start "$DIR/clickhouse" "$CH_HTTP" "$CH_TCP"
  say "creating topics (idempotent)"
  "$BIN" topics create --partitions 4 | sed 's/^/         /'
  say "applying the ClickHouse schema (idempotent)"
  "$BIN" schema apply | sed 's/^/         /'
  start_stage sink sink
  start_stage enrich-1 enrich
  start_stage enrich-2 enrich --metrics-address "${INFRASIGHT_DEMO_ENRICH2_METRICS_ADDRESS:-127.0.0.1:9475}"
  start_stage detect detect --alert-log "$ALERTS"
  start_stage agent agent
  for _ in $(seq 1 60); do
    grep -q "probe attached" "$DIR/logs/agent.log" 2>/dev/null && break
    alive "$(pid_of agent)" || die "agent exited: $(tail -n 5 "$DIR/logs/agent.log")"
    sleep 0.5
  done
  say "agent: $(grep -o 'execve probe attached via [^(]*' "$DIR/logs/agent.log" | head -1)"
  # A rules file detect refuses (INFRASIGHT_RULES) stops it at once: say so rather than run without it.
  alive "$(pid_of detect)" || die "detect exited: $(tail -n 5 "$DIR/logs/detect.log")"
  say "metrics: agent :9464, enrich :9465 and :9475, sink :9466, detect :9467 (http://127.0.0.1:PORT/metrics, /healthz)"
  say "alerts: $ALERTS (JSON lines; also on topic infrasight.alerts)"
  say "logs in $DIR/logs; stop with: scripts/demo.sh down"
}

down() {
  # One stage at a time, upstream first, each drained before the next stops, so what the agent
  # flushes still flows through enrich, detect and the sink before they go.
  for name in agent enrich-1 enrich-2 detect sink; do
    local pid; pid=$(pid_of "$name")
    if alive "$pid"; then
      say "stopping $name (pid $pid)"
      kill -TERM "$pid"
      for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.2; done
      if alive "$pid"; then say "$name did not stop in 30 s: killing it"; kill -KILL "$pid"; fi
    fi
    rm -f "$DIR/run/$name.pid"
  done
  local pid; pid=$(pid_of broker)
  if alive "$pid"; then say "stopping broker (pid $pid)"; kill -TERM "$pid"; sleep 0.5; alive "$pid" && kill -KILL "$pid"; fi
  rm -f "$DIR/run/broker.pid"
  [ -d "$DIR/clickhouse" ] && { say "stopping ClickHouse"; bash "$ROOT/scripts/clickhouse-server.sh" stop "$DIR/clickhouse" || true; }
  say "stopped (ClickHouse data kept in $DIR/clickhouse)"
}

status() {
  for name in broker "${STAGES[@]}"; do
    local pid; pid=$(pid_of "$name")
    if alive "$pid"; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; fi
  done
  if [ -f "$ALERTS" ]; then echo "alerts: $(wc -l < "$ALERTS") in $ALERTS"; else echo "alerts: none yet ($ALERTS)"; fi
  bash "$ROOT/scripts/clickhouse-server.sh" status "$DIR/clickhouse" || true
  if alive "$(pid_of broker)" && [ -x "$BIN" ]; then
    echo
    "$BIN" status || true
  fi
}

case "${1:-run}" in
  up) up ;;
  down) down ;;
  status) status ;;
  run)
    # Services run in their own sessions (setsid), so Ctrl-C reaches only `watch` below; then `down`
    # stops them in order (agent first, broker and ClickHouse last) and nothing is lost on the way out.
    up
    trap ':' INT
    trap 'down; exit 0' TERM
    say "generating a little activity so there is something to see"
    (sleep 2; ls /etc > /dev/null; cat /etc/hostname > /dev/null; id > /dev/null; uname -a > /dev/null) &
    say "alerts land in $ALERTS: try \`cat /etc/shadow > /dev/null\` and \`tail -f $ALERTS\` in another terminal"
    say "events as stored in ClickHouse (infrasight.exec_events); Ctrl-C stops everything"
    "$BIN" watch --limit 20 || true
    printf '\n' 2>/dev/null || true   # the terminal or a `| tee` may be gone after Ctrl-C: never stop here
    down
    ;;
  *) die "usage: $0 [run|up|down|status]" ;;
esac
