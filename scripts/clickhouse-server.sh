#!/usr/bin/env bash
# Runs a private ClickHouse server (Debian 12's clickhouse-server 18.16) whose whole state lives in one folder.
# Used by the test harness (Tests/InfraSightTestSupport/ClickHouseServer.swift) and by the local demo stack.
#
#   clickhouse-server.sh start  DIR HTTP_PORT TCP_PORT   write DIR/config.xml + DIR/users.xml, start, wait for /ping
#   clickhouse-server.sh stop   DIR                      SIGTERM, wait, SIGKILL; no-op when not running
#   clickhouse-server.sh status DIR                      exit 0 and print "running pid=.. http=.." or exit 3 "stopped"
#
# Layout under DIR: data/ (tables; kept across restarts), tmp/, user_files/, format_schemas/, log/
# (clickhouse-server.log, clickhouse-server.err.log, stdout.log), clickhouse.pid, ports (HTTP TCP).
# Listens on 127.0.0.1 only; no interserver port; user `default` without password, from localhost only.
# `start` on a running server is a successful no-op. Extra users can be dropped into DIR/users.d/*.xml.
# Environment: CLICKHOUSE_SERVER_BIN (binary), CLICKHOUSE_START_TIMEOUT (seconds, default 60).
set -euo pipefail

die() { echo "clickhouse-server.sh: $*" >&2; exit 1; }
usage() { die "usage: $0 start DIR HTTP_PORT TCP_PORT | stop DIR | status DIR"; }

find_binary() {
  if [ -n "${CLICKHOUSE_SERVER_BIN:-}" ]; then
    [ -x "$CLICKHOUSE_SERVER_BIN" ] || die "CLICKHOUSE_SERVER_BIN=$CLICKHOUSE_SERVER_BIN is not executable"
    echo "$CLICKHOUSE_SERVER_BIN"; return
  fi
  # Debian installs it in /usr/sbin (not on a non-root PATH); the multi-tool `clickhouse server` is a fallback.
  local c
  for c in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server "$(command -v clickhouse-server 2>/dev/null || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; return; fi
  done
  if c=$(command -v clickhouse 2>/dev/null) && [ -x "$c" ]; then echo "$c server"; return; fi
  die "clickhouse-server not found (looked in /usr/sbin, /usr/bin, PATH); run \`make deps\` (apt package clickhouse-server)"
}

# Prints the pid of the server owning DIR if it is alive, else nothing (and removes a stale pid file).
running_pid() {
  local dir=$1 pidfile="$1/clickhouse.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(tr -dc '0-9' < "$pidfile" || true)
  if [ -n "$pid" ] && alive "$pid" \
     && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/config.xml"; then
    echo "$pid"
  else
    rm -f "$pidfile"
  fi
}

# Alive and not a zombie (a killed server whose parent does not reap it must count as gone).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state; state=$(sed -e 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ "$state" != Z ] && [ "$state" != X ]
}

# Number of sockets listening on TCP port $1 on 127.0.0.1 or any address. ClickHouse binds with SO_REUSEPORT, so a
# second server on a taken port starts "fine" and shares the traffic: this count is how a conflict is noticed.
listeners() {
  local hex; hex=$(printf '%04X' "$1")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$hex" '
    $4 == "0A" && substr($2, length($2) - 4) == p {
      a = substr($2, 1, length($2) - 5)
      if (a ~ /^(0100007F|0+|0+FFFF00000100007F|00000000000000000000000001000000)$/) n++
    } END { print n + 0 }'
}

ping_ok() { [ "$(curl -s --max-time 2 "http://127.0.0.1:$1/ping" 2>/dev/null || true)" = "Ok." ]; }

log_tail() {
  local dir=$1 f
  for f in "$dir/log/stdout.log" "$dir/log/clickhouse-server.err.log" "$dir/log/clickhouse-server.log"; do
    if [ -s "$f" ]; then echo "--- last lines of $f:"; tail -n 25 "$f"; fi
  done
}

write_config() {
  local dir=$1 http=$2 tcp=$3
  cat > "$dir/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Written by scripts/clickhouse-server.sh; rewritten on every start. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$dir/log/clickhouse-server.log</log>
        <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$tcp</tcp_port>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  cat > "$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<!-- Written by scripts/clickhouse-server.sh. Additional users: put <yandex><users>...</users></yandex> files in users.d/. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
  echo "$http $tcp" > "$dir/ports"
}

cmd_start() {
  [ $# -eq 3 ] || usage
  local dir=$1 http=$2 tcp=$3 pid bin timeout deadline
  [[ "$http" =~ ^[0-9]+$ && "$tcp" =~ ^[0-9]+$ ]] || die "ports must be numbers (got '$http' '$tcp')"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  pid=$(running_pid "$dir")
  if [ -n "$pid" ]; then
    local cur; cur=$(cat "$dir/ports" 2>/dev/null || echo "? ?")
    if [ "$cur" != "$http $tcp" ]; then
      echo "clickhouse-server.sh: warning: already running (pid $pid) on ports $cur, not $http $tcp" >&2
    fi
    http=${cur%% *}
  else
    bin=$(find_binary)
    local port
    for port in "$http" "$tcp"; do
      if [ "$(listeners "$port")" != 0 ]; then
        die "port $port: Address already in use (another process listens on 127.0.0.1:$port); choose other ports"
      fi
    done
    mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log" "$dir/users.d"
    write_config "$dir" "$http" "$tcp"
    # Background child of this (non-interactive) shell: ignores the terminal's SIGINT; `exec` keeps the pid.
    # shellcheck disable=SC2086  # $bin may be "clickhouse server"
    ( cd "$dir" && exec $bin --config-file="$dir/config.xml" </dev/null >>"$dir/log/stdout.log" 2>&1 ) &
    pid=$!
    echo "$pid" > "$dir/clickhouse.pid"
  fi
  timeout=${CLICKHOUSE_START_TIMEOUT:-60}
  deadline=$(( $(date +%s) + timeout ))
  until ping_ok "$http"; do
    if ! alive "$pid"; then
      rm -f "$dir/clickhouse.pid"
      die "clickhouse-server exited during startup (dir $dir, http $http)
$(log_tail "$dir")"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      die "clickhouse-server (pid $pid) did not answer http://127.0.0.1:$http/ping within ${timeout}s
$(log_tail "$dir")"
    fi
    sleep 0.2
  done
  local port
  for port in "$http" "$tcp"; do
    if [ "$(listeners "$port")" -gt 1 ]; then
      cmd_stop "$dir" >/dev/null
      die "port $port: Address already in use (another process listens on it too); stopped this server, choose other ports"
    fi
  done
  echo "clickhouse-server running pid=$pid http=$http dir=$dir"
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  local dir=$1 pid i
  [ -d "$dir" ] || { echo "clickhouse-server not running (no $dir)"; return 0; }
  dir=$(cd "$dir" && pwd -P)
  pid=$(running_pid "$dir")
  if [ -z "$pid" ]; then echo "clickhouse-server not running"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do   # 15 s grace
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    echo "clickhouse-server.sh: pid $pid ignored SIGTERM for 15s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$dir/clickhouse.pid"
  echo "clickhouse-server stopped (pid $pid)"
}

cmd_status() {
  [ $# -eq 1 ] || usage
  local dir=$1 pid
  if [ -d "$dir" ]; then dir=$(cd "$dir" && pwd -P); pid=$(running_pid "$dir"); else pid=""; fi
  if [ -n "$pid" ]; then
    local ports; ports=$(cat "$dir/ports" 2>/dev/null || echo "? ?")
    local state="not answering /ping"; ping_ok "${ports%% *}" && state="ok"
    echo "running pid=$pid http=${ports%% *} tcp=${ports##* } ($state)"
    return 0
  fi
  echo "stopped"
  return 3
}

[ $# -ge 1 ] || usage
action=$1; shift
case "$action" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  *) usage ;;
esac
