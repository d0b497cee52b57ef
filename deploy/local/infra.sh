#!/usr/bin/env bash
# Local infrastructure for bridgework: a single-node Apache Kafka broker (KRaft
# combined mode, plain JVM process, jars from Maven Central) and a PostgreSQL
# server (Debian package), both as ordinary local processes bound to 127.0.0.1.
# No Docker needed. Used by developers and by tests/CI; see README.md next to
# this file.
#
#   deploy/local/infra.sh up|down|status|env|restart-kafka|restart-postgres|kill-kafka|logs
#
#   eval "$(deploy/local/infra.sh up)"   # start (idempotent) and export the addresses
#
# Environment:
#   BRIDGEWORK_INFRA_INSTANCE  dev (default: Kafka 19092/19093, Postgres 15432),
#                              test (Kafka 29092/29093, Postgres 25432)
#                              faults (Kafka 31092/31093, Postgres 31432)
#                              or secure (Kafka 27092/27093 with SASL_SSL, no Postgres)
#   BRIDGEWORK_KAFKA_SECURITY  plaintext (default) or sasl_ssl (the default of 'secure'):
#                              a broker with TLS, SCRAM-SHA-512 users and ACLs (kafka/secure.sh);
#                              it starts no Postgres and prints BRIDGEWORK_SECURE_KAFKA_* exports
#   BRIDGEWORK_PYTHON          the python that applies a secure broker's ACLs (default .venv)
#   BRIDGEWORK_KAFKA_PORT, BRIDGEWORK_KAFKA_CONTROLLER_PORT (default Kafka port + 1),
#   BRIDGEWORK_PG_PORT         port overrides
#   BRIDGEWORK_CACHE_DIR       jar cache   (default $HOME/.cache/bridgework)
#   BRIDGEWORK_STATE_DIR       Kafka state (default <repo>/.local)
#   BRIDGEWORK_PG_DIR          Postgres dir (default /var/lib/bridgework/<instance>-pg<port> as root)
#   BRIDGEWORK_PG_BINDIR       use this PostgreSQL bin directory instead of searching
#   BRIDGEWORK_KAFKA_JVM_OPTS  default "-Xms512m -Xmx1g"
#   KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL: if set to anything other than this
#                              instance's own address, that service is treated as
#                              external: not started, just echoed back.
#
# Convention: stdout carries nothing but the `export` lines (so that
# `eval "$(infra.sh up)"` works); every progress message goes to stderr.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"

# ----------------------------------------------------------------------------
# Messages
# ----------------------------------------------------------------------------
INSTANCE="${BRIDGEWORK_INFRA_INSTANCE:-dev}"

log() { printf '[infra:%s] %s\n' "$INSTANCE" "$*" >&2; }
die() {
  printf '[infra:%s] ERROR: %s\n' "$INSTANCE" "$*" >&2
  exit 1
}

# ----------------------------------------------------------------------------
# Configuration
# ----------------------------------------------------------------------------
[[ "$INSTANCE" =~ ^[A-Za-z0-9_-]+$ ]] || die "BRIDGEWORK_INFRA_INSTANCE must match [A-Za-z0-9_-]+ (got '$INSTANCE')"

# Every planned port lies below Linux's ephemeral range (32768-60999 by
# default): a listener there can find its port taken as the source port of
# some outgoing connection, and then fails to bind on a busy machine (seen in
# CI: a restarted Postgres on 54340 got "Address already in use").
case "$INSTANCE" in
  dev) default_kafka_port=19092 default_pg_port=15432 ;;
  test) default_kafka_port=29092 default_pg_port=25432 ;;
  faults) default_kafka_port=31092 default_pg_port=31432 ;;
  # Kafka only; the Postgres port is reserved so that the plan stays one line an instance.
  secure) default_kafka_port=27092 default_pg_port=27432 ;;
  *)
    # Other instance names are allowed, but they have no port plan, so the
    # caller has to choose ports (otherwise two instances would collide).
    default_kafka_port="" default_pg_port=""
    ;;
esac
KAFKA_PORT="${BRIDGEWORK_KAFKA_PORT:-$default_kafka_port}"
if [[ "$INSTANCE" == secure ]]; then default_security=sasl_ssl; else default_security=plaintext; fi
KAFKA_SECURITY="${BRIDGEWORK_KAFKA_SECURITY:-$default_security}"
[[ "$KAFKA_SECURITY" =~ ^(plaintext|sasl_ssl)$ ]] ||
  die "BRIDGEWORK_KAFKA_SECURITY must be plaintext or sasl_ssl (got '$KAFKA_SECURITY')"
PG_PORT="${BRIDGEWORK_PG_PORT:-$default_pg_port}"
[[ -n "$KAFKA_PORT" && -n "$PG_PORT" ]] ||
  die "instance '$INSTANCE' has no default ports; set BRIDGEWORK_KAFKA_PORT and BRIDGEWORK_PG_PORT"
valid_port() { [[ "$1" =~ ^[0-9]{1,5}$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }
valid_port "$KAFKA_PORT" || die "invalid Kafka port '$KAFKA_PORT'"
valid_port "$PG_PORT" || die "invalid PostgreSQL port '$PG_PORT'"
KAFKA_PORT=$((10#$KAFKA_PORT)) PG_PORT=$((10#$PG_PORT)) # normalise "05432"
KAFKA_CONTROLLER_PORT="${BRIDGEWORK_KAFKA_CONTROLLER_PORT:-$((10#$KAFKA_PORT + 1))}"
valid_port "$KAFKA_CONTROLLER_PORT" || die "invalid Kafka controller port '$KAFKA_CONTROLLER_PORT'"
[[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "Kafka port and controller port must differ"

HOST=127.0.0.1
OWN_KAFKA_BOOTSTRAP="$HOST:$KAFKA_PORT"
OWN_DATABASE_URL="postgresql://bridgework:bridgework@$HOST:$PG_PORT/bridgework"

# One variable for the Kafka version: read it from the pom, so the pom stays
# the single source of truth and the cache directory name follows it.
KAFKA_VERSION="$(sed -n 's:.*<kafka\.version>\([^<]*\)</kafka\.version>.*:\1:p' "$KAFKA_POM" | head -n 1)"
[[ -n "$KAFKA_VERSION" ]] || die "cannot read <kafka.version> from $KAFKA_POM"

abspath() { realpath -m -- "$1"; }

CACHE_DIR="$(abspath "${BRIDGEWORK_CACHE_DIR:-${HOME:-/root}/.cache/bridgework}")"
KAFKA_LIB="$CACHE_DIR/kafka-$KAFKA_VERSION/lib"
KAFKA_LIB_MARKER="$KAFKA_LIB/.resolved"

STATE_ROOT="$(abspath "${BRIDGEWORK_STATE_DIR:-$REPO_ROOT/.local}")"
INSTANCE_STATE="$STATE_ROOT/$INSTANCE"
LOCK_FILE="$INSTANCE_STATE/infra.lock"

KAFKA_STATE="$INSTANCE_STATE/kafka"
KAFKA_DATA="$KAFKA_STATE/data"
KAFKA_LOG_DIR="$KAFKA_STATE/logs"
KAFKA_SERVER_LOG="$KAFKA_LOG_DIR/server.log" # log4j output of the broker
KAFKA_OUT="$KAFKA_LOG_DIR/kafka.out"         # JVM stdout/stderr (crashes before log4j is up)
KAFKA_PROPS="$KAFKA_STATE/server.properties"
KAFKA_LOG4J="$KAFKA_STATE/log4j.properties"
KAFKA_TOOLS_LOG4J="$KAFKA_STATE/tools-log4j.properties"
KAFKA_PID_FILE="$KAFKA_STATE/kafka.pid"
KAFKA_JVM_OPTS="${BRIDGEWORK_KAFKA_JVM_OPTS:--Xms512m -Xmx1g}"
KAFKA_READY_TIMEOUT=90
KAFKA_STOP_TIMEOUT=30

# PostgreSQL refuses to run as root. As root we run it as the `postgres` OS
# user, and its directory must then live outside the repo: CI clones into a
# `mktemp -d` directory (mode 0700, owned by root) that `postgres` cannot
# traverse. As a normal user we simply run it as ourselves, next to the Kafka
# state.
if ((EUID == 0)); then
  PG_OS_USER=postgres
  PG_DIR_DEFAULT="/var/lib/bridgework/$INSTANCE-pg$PG_PORT"
else
  PG_OS_USER="$(id -un)"
  PG_DIR_DEFAULT="$INSTANCE_STATE/postgres-pg$PG_PORT"
fi
PG_DIR="$(abspath "${BRIDGEWORK_PG_DIR:-$PG_DIR_DEFAULT}")"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
# The socket lives next to the data directory (not in /var/run/postgresql):
# that directory is always ours and writable, survives a tmpfs /run, and keeps
# this server apart from a distribution cluster on the same machine.
PG_SOCKET_DIR="$PG_DIR"
PG_READY_TIMEOUT=30

# shellcheck source=kafka/secure.sh
source "$SCRIPT_DIR/kafka/secure.sh"

# Connection settings of the caller must not leak into our psql/pg_ctl calls.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE PGSERVICE \
  PGSERVICEFILE PGOPTIONS PGDATA PGSSLMODE PGTARGETSESSIONATTRS PGCONNECT_TIMEOUT

# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

# Serialise commands that change state for one instance (e.g. parallel test
# workers all calling `up`). The lock is held on fd 9 until the script exits.
# Every process we leave running (java, postmaster, anything apt starts) must
# be spawned with `9>&-`, or it would inherit the fd and hold the lock forever.
take_lock() {
  mkdir -p "$INSTANCE_STATE"
  exec 9>"$LOCK_FILE"
  if ! flock -n 9; then
    log "waiting for another infra.sh run on instance '$INSTANCE' (lock $LOCK_FILE)"
    flock -w 600 9 || die "could not get $LOCK_FILE within 600 s"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
port_open() {
  # shellcheck disable=SC2016 # $0/$1 expand in the inner bash, on purpose
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

# Print the last lines of each given log file to stderr.
show_tail() {
  local f
  for f in "$@"; do
    if [[ -s "$f" ]]; then
      printf -- '----- last 50 lines of %s -----\n' "$f" >&2
      tail -n 50 "$f" >&2
    fi
  done
}

kafka_external() {
  # A secure instance is a broker of its own beside the plain one a caller may have exported.
  secure_enabled && return 1
  [[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" && "$KAFKA_BOOTSTRAP_SERVERS" != "$OWN_KAFKA_BOOTSTRAP" ]]
}
pg_external() {
  [[ -n "${DATABASE_URL:-}" && "$DATABASE_URL" != "$OWN_DATABASE_URL" ]]
}

print_exports() {
  local kafka="$OWN_KAFKA_BOOTSTRAP" db="$OWN_DATABASE_URL"
  if secure_enabled; then
    secure_print_exports
    return 0
  fi
  if kafka_external; then kafka="$KAFKA_BOOTSTRAP_SERVERS"; fi
  if pg_external; then db="$DATABASE_URL"; fi
  printf 'export KAFKA_BOOTSTRAP_SERVERS=%q\n' "$kafka"
  printf 'export DATABASE_URL=%q\n' "$db"
}

# ----------------------------------------------------------------------------
# Kafka
# ----------------------------------------------------------------------------

# Fetch the broker jars with Maven into the shared cache, once. A marker file
# holding the pom's checksum is written only after a complete resolve, so an
# interrupted download or a changed pom leads to a fresh resolve.
kafka_resolve_jars() {
  local want have=""
  want="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  [[ -f "$KAFKA_LIB_MARKER" ]] && have="$(cat "$KAFKA_LIB_MARKER")"
  [[ "$have" == "$want" ]] && return 0

  command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka jars)"
  mkdir -p "$(dirname "$KAFKA_LIB")"
  (
    # dev and test instances share the cache: serialise the download (fd 8 is
    # closed when this subshell ends, before any daemon is spawned).
    flock -w 600 8 || die "could not lock the jar cache"
    have=""
    [[ -f "$KAFKA_LIB_MARKER" ]] && have="$(cat "$KAFKA_LIB_MARKER")"
    [[ "$have" == "$want" ]] && exit 0
    log "resolving Kafka $KAFKA_VERSION jars with Maven into $KAFKA_LIB (first run only, ~1 min cold)"
    local tmp="$KAFKA_LIB.tmp.$$" mvn_log="$CACHE_DIR/kafka-$KAFKA_VERSION-mvn.log" t0=$SECONDS
    rm -rf "$tmp"
    # Output to a file: Maven's -q output still carries ANSI noise, and only
    # matters when something fails.
    if ! (cd "$SCRIPT_DIR/kafka" && mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
      </dev/null >"$mvn_log" 2>&1); then
      rm -rf "$tmp"
      show_tail "$mvn_log"
      die "Maven could not resolve the Kafka jars (log: $mvn_log)"
    fi
    ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 ||
      { rm -rf "$tmp"; die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing"; }
    echo "$want" >"$tmp/.resolved"
    rm -rf "$KAFKA_LIB"
    mv "$tmp" "$KAFKA_LIB"
    log "resolved $(find "$KAFKA_LIB" -name '*.jar' | wc -l) jars in $((SECONDS - t0)) s"
  ) 8>"$CACHE_DIR/kafka-$KAFKA_VERSION.lock"
}

# Print the broker's pid if the pid file names a live process that really is
# *our* broker (guards against pid reuse after a reboot or a SIGKILL).
kafka_pid() {
  local pid
  [[ -f "$KAFKA_PID_FILE" ]] || return 1
  pid="$(cat "$KAFKA_PID_FILE" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "kafka.Kafka $KAFKA_PROPS" || return 1
  echo "$pid"
}

# (Re)generate the configuration on every start: it is cheap and keeps an
# existing instance in line with this script (data stays untouched).
kafka_write_config() {
  mkdir -p "$KAFKA_DATA" "$KAFKA_LOG_DIR"
  local listeners
  if secure_enabled; then
    listeners="$(secure_listener_config)"
  else
    listeners="listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  fi
  (umask 077 && : >"$KAFKA_PROPS") # a secure broker's file holds the admin's password
  cat >"$KAFKA_PROPS" <<EOF
# Generated by deploy/local/infra.sh on every start - edit the script instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
$listeners
log.dirs=$KAFKA_DATA

# Single node: every internal topic with one replica and few partitions, so
# the first consumer group / transaction does not wait for 50 partitions.
offsets.topic.num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
default.replication.factor=1
num.partitions=4
# Tests should not wait 3 s for the first rebalance.
group.initial.rebalance.delay.ms=0
# The application creates its topics explicitly; typos must fail loudly.
auto.create.topics.enable=false
# After a SIGKILL (kill-kafka) the restarted node is refused with
# DUPLICATE_BROKER_REGISTRATION until the old incarnation's session expires
# (default 9 s, plus registration back-off). Heartbeats go to the controller
# in the same JVM over loopback, so a shorter session is safe here.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
EOF

  cat >"$KAFKA_LOG4J" <<EOF
# Generated by deploy/local/infra.sh. Broker log at INFO into a rotating file,
# chatty per-request/per-partition loggers at WARN.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$KAFKA_SERVER_LOG
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.kafka.log=WARN
log4j.logger.kafka.cluster=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.controller.ReplicationControlManager=WARN
log4j.logger.kafka.server.DelayedOperationPurgatory\$ExpiredOperationReaper=WARN
log4j.logger.kafka.server.ClientQuotaManager\$ThrottledChannelReaper=WARN
EOF

  # The storage tool only needs to report problems, to stderr.
  cat >"$KAFKA_TOOLS_LOG4J" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

kafka_tool() {
  java -Dlog4j.configuration="file:$KAFKA_TOOLS_LOG4J" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool "$@"
}

# Format the KRaft storage exactly once; a restart must keep topics and offsets.
kafka_format_if_needed() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local cluster_id users=()
  log "formatting Kafka storage in $KAFKA_DATA"
  cluster_id="$(kafka_tool random-uuid)" || die "StorageTool random-uuid failed"
  if secure_enabled; then mapfile -d '' users < <(secure_format_args); fi
  # Static quorum (controller.quorum.voters), so no --standalone here.
  kafka_tool format -t "$cluster_id" -c "$KAFKA_PROPS" "${users[@]}" >&2 ||
    die "StorageTool format failed"
}

# Readiness probe. We send a real Metadata request (v4, all topics) with a
# few lines of stdlib python instead of grepping the log or only testing the
# TCP port: an open port alone does not prove the broker is usable, and
# "Kafka Server started" in an appended/rotated log file is easy to match from
# an earlier run. The probe succeeds only when the broker is registered,
# unfenced (it lists itself as a live broker) and knows the active
# controller -- exactly what a client needs. A JVM-based Kafka CLI would cost
# a second or more per poll; python starts in ~30 ms.
# (Metadata v4 is served by every Kafka from 0.11 on, including 4.x, which
# dropped v0-v3 -- so the probe survives a version bump in the pom.)
kafka_probe() {
  python3 - "$HOST" "$KAFKA_PORT" <<'PY'
import socket
import struct
import sys

host, port = sys.argv[1], int(sys.argv[2])
client_id = b"bridgework-infra-probe"
# Request header v1 (api_key=3 Metadata, api_version=4, correlation id, client id)
# followed by the v4 body: topics = null (-1) -> all topics,
# allow_auto_topic_creation = false.
req = struct.pack(">hhih", 3, 4, 7, len(client_id)) + client_id + struct.pack(">ib", -1, 0)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


try:
    with socket.create_connection((host, port), timeout=2) as sock:
        sock.settimeout(5)
        sock.sendall(struct.pack(">i", len(req)) + req)
        (size,) = struct.unpack(">i", recv_exact(sock, 4))
        resp = recv_exact(sock, size)
    # v4 response: correlation id, throttle_time_ms, brokers[], cluster_id, controller_id, ...
    correlation_id, _throttle, n_brokers = struct.unpack_from(">iii", resp, 0)
    off = 12
    for _ in range(n_brokers):
        off += 4  # node_id
        (hlen,) = struct.unpack_from(">h", resp, off)
        off += 2 + hlen + 4  # host, port
        (rlen,) = struct.unpack_from(">h", resp, off)
        off += 2 + max(rlen, 0)  # rack (nullable)
    (clen,) = struct.unpack_from(">h", resp, off)
    off += 2 + max(clen, 0)  # cluster_id (nullable)
    (controller_id,) = struct.unpack_from(">i", resp, off)
except (OSError, EOFError, struct.error):
    sys.exit(1)
sys.exit(0 if correlation_id == 7 and n_brokers > 0 and controller_id >= 0 else 1)
PY
}

# Without python3 fall back to: port accepts TCP and the log (since our start
# offset) says the server started.
kafka_ready() {
  local log_offset="${1:-0}"
  if secure_enabled; then
    secure_probe
  elif command -v python3 >/dev/null; then
    kafka_probe
  else
    port_open "$KAFKA_PORT" &&
      tail -c "+$((log_offset + 1))" "$KAFKA_SERVER_LOG" 2>/dev/null | grep -q 'Kafka Server started'
  fi
}

kafka_wait_ready() {
  local pid="$1" log_offset="${2:-0}" deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  while ! kafka_ready "$log_offset"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_tail "$KAFKA_OUT" "$KAFKA_SERVER_LOG"
      rm -f "$KAFKA_PID_FILE"
      die "Kafka broker (pid $pid) exited during startup; logs above"
    fi
    if ((SECONDS >= deadline)); then
      show_tail "$KAFKA_OUT" "$KAFKA_SERVER_LOG"
      # Do not leave a half-started broker behind (CI would leak it).
      kafka_stop_pid "$pid"
      die "Kafka broker not ready on $OWN_KAFKA_BOOTSTRAP after ${KAFKA_READY_TIMEOUT} s; logs above"
    fi
    sleep 0.5
  done
}

kafka_start() {
  local pid log_offset t0=$SECONDS
  command -v java >/dev/null || die "java not found (Java 17 is required for Kafka $KAFKA_VERSION)"
  # A clear message beats "Address already in use" deep in the broker log
  # (typical cause: the same instance running from another clone).
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$p"; then
      die "port $p is already in use by another process; stop it or set BRIDGEWORK_KAFKA_PORT/BRIDGEWORK_KAFKA_CONTROLLER_PORT"
    fi
  done
  kafka_resolve_jars
  if secure_enabled; then secure_make_material; fi
  kafka_write_config
  kafka_format_if_needed

  log "starting Kafka $KAFKA_VERSION on $OWN_KAFKA_BOOTSTRAP (controller $HOST:$KAFKA_CONTROLLER_PORT)"
  log_offset="$(stat -c %s "$KAFKA_SERVER_LOG" 2>/dev/null || echo 0)"
  {
    printf '\n===== %s infra.sh starting broker =====\n' "$(date -Is)"
  } >>"$KAFKA_OUT"
  # setsid: own session, so Ctrl-C in the caller's terminal or the end of a CI
  # step's process group does not take the broker down with it. cd: any
  # hs_err_pid*.log lands in the state dir, not in the caller's cwd.
  # shellcheck disable=SC2086 # KAFKA_JVM_OPTS is a list of options on purpose
  (
    cd "$KAFKA_STATE"
    exec setsid nohup java $KAFKA_JVM_OPTS -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dlog4j.configuration="file:$KAFKA_LOG4J" \
      -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_PROPS"
  ) </dev/null >>"$KAFKA_OUT" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$KAFKA_PID_FILE"
  kafka_wait_ready "$pid" "$log_offset"
  log "Kafka ready on $OWN_KAFKA_BOOTSTRAP (pid $pid, $((SECONDS - t0)) s)"
}

# SIGTERM gives a controlled shutdown (flushes logs, writes the clean-shutdown
# marker, so the next start skips log recovery); SIGKILL only as last resort.
kafka_stop_pid() {
  local pid="$1" deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "Kafka (pid $pid) still running after ${KAFKA_STOP_TIMEOUT} s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$KAFKA_PID_FILE"
}

kafka_stop() {
  local pid
  if pid="$(kafka_pid)"; then
    log "stopping Kafka (pid $pid)"
    kafka_stop_pid "$pid"
    log "Kafka stopped"
  else
    rm -f "$KAFKA_PID_FILE"
    log "Kafka is not running"
  fi
}

kafka_up() {
  local pid
  if kafka_external; then
    log "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS is set: using that broker, not starting one"
    return 0
  fi
  if pid="$(kafka_pid)"; then
    # Already running: nothing to start, but make sure it still answers.
    kafka_wait_ready "$pid"
    log "Kafka already running on $OWN_KAFKA_BOOTSTRAP (pid $pid)"
    return 0
  fi
  [[ -f "$KAFKA_PID_FILE" ]] && log "removing stale Kafka pid file"
  rm -f "$KAFKA_PID_FILE"
  kafka_start
}

kafka_require_own() {
  if kafka_external; then
    die "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS is an external broker; refusing to $1 it"
  fi
}

# ----------------------------------------------------------------------------
# PostgreSQL
# ----------------------------------------------------------------------------
PG_BIN=""

pg_find_bindir() {
  local dir ver
  if [[ -n "${BRIDGEWORK_PG_BINDIR:-}" ]]; then
    echo "$BRIDGEWORK_PG_BINDIR"
    return 0
  fi
  # An existing cluster must be run by the major version that created it.
  if [[ -f "$PG_DATA/PG_VERSION" ]]; then
    ver="$(cat "$PG_DATA/PG_VERSION")"
    if [[ -x "/usr/lib/postgresql/$ver/bin/pg_ctl" ]]; then
      echo "/usr/lib/postgresql/$ver/bin"
      return 0
    fi
  fi
  dir="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null |
    sort -V | tail -n 1)"
  if [[ -n "$dir" ]]; then
    dirname "$dir"
    return 0
  fi
  # Non-Debian systems (e.g. a Homebrew install) have pg_ctl on PATH.
  if dir="$(command -v pg_ctl)"; then
    dirname "$dir"
    return 0
  fi
  return 1
}

pg_install() {
  local apt_log="$STATE_ROOT/apt-install.log" sudo=()
  command -v apt-get >/dev/null ||
    die "PostgreSQL is not installed and apt-get is unavailable; install it or set BRIDGEWORK_PG_BINDIR"
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "PostgreSQL is not installed; run as root or install the 'postgresql' package"
    sudo=(sudo)
  fi
  mkdir -p "$STATE_ROOT"
  log "PostgreSQL not found: apt-get update && apt-get install postgresql (log: $apt_log)"
  # stdin from /dev/null, output to a file, fd 9 closed: the package's
  # maintainer scripts may start daemons that would otherwise inherit our
  # pipes or the instance lock.
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q update \
    </dev/null >"$apt_log" 2>&1 9>&- ||
    ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q install -y \
      --no-install-recommends postgresql </dev/null >>"$apt_log" 2>&1 9>&-; then
    show_tail "$apt_log"
    die "installing PostgreSQL failed"
  fi
}

pg_ensure_binaries() {
  [[ -n "$PG_BIN" ]] && return 0
  if [[ -n "${BRIDGEWORK_PG_BINDIR:-}" && ! -x "$BRIDGEWORK_PG_BINDIR/pg_ctl" ]]; then
    die "no pg_ctl in BRIDGEWORK_PG_BINDIR=$BRIDGEWORK_PG_BINDIR"
  fi
  if ! PG_BIN="$(pg_find_bindir)"; then
    pg_install
    PG_BIN="$(pg_find_bindir)" || die "PostgreSQL installed, but no pg_ctl found under /usr/lib/postgresql"
  fi
  if [[ -f "$PG_DATA/PG_VERSION" ]]; then
    local have want
    have="$(cat "$PG_DATA/PG_VERSION")"
    # "pg_ctl (PostgreSQL) 15.13 (Debian ...)" -> 15
    want="$("$PG_BIN/pg_ctl" --version | awk '{print $3}' | cut -d. -f1)"
    [[ -z "$want" || "$have" == "$want" ]] ||
      die "$PG_DATA was created by PostgreSQL $have but the binaries in $PG_BIN are $want (remove $PG_DIR to start over)"
  fi
}

# Run a command as the OS user that owns the cluster. `cd /`: the caller's cwd
# may be a 0700 root-owned directory (CI's mktemp clone), which the postgres
# user cannot enter. Fixed locale: initdb and the server would otherwise
# inherit whatever LANG the caller has, possibly one that is not installed.
as_pg() {
  if ((EUID == 0)); then
    (cd / && LC_ALL=C.UTF-8 LANG=C.UTF-8 runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd / && LC_ALL=C.UTF-8 LANG=C.UTF-8 "$@")
  fi
}

# Run a PostgreSQL program (from $PG_BIN) as the cluster owner.
pg_run() {
  local prog="$1"
  shift
  as_pg "$PG_BIN/$prog" "$@"
}

pg_psql() {
  pg_run psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres "$@"
}

pg_prepare_dir() {
  if ((EUID == 0)); then
    id -u "$PG_OS_USER" >/dev/null 2>&1 || die "OS user '$PG_OS_USER' does not exist (is PostgreSQL installed?)"
    # Parent directories must be traversable by the postgres user.
    if [[ -z "${BRIDGEWORK_PG_DIR:-}" ]]; then
      install -d -m 0755 -o root -g root /var/lib/bridgework
    fi
    mkdir -p "$PG_DIR"
    chown "$PG_OS_USER:$PG_OS_USER" "$PG_DIR"
    # 0750: only root and postgres reach the socket (superuser is trusted on it).
    chmod 0750 "$PG_DIR"
    as_pg test -w "$PG_DIR" -a -x "$PG_DIR" ||
      die "the '$PG_OS_USER' user cannot access $PG_DIR (is a parent directory private?); set BRIDGEWORK_PG_DIR to a path it can reach"
  else
    mkdir -p "$PG_DIR"
    chmod 0750 "$PG_DIR"
  fi
}

pg_init_if_needed() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  local t0=$SECONDS
  log "initialising PostgreSQL cluster in $PG_DATA"
  # Any half-initialised leftover (initdb interrupted) would make initdb fail.
  rm -rf "$PG_DATA"
  # trust here only for the bootstrap; pg_hba.conf is replaced below before
  # the first start.
  if ! pg_run initdb -D "$PG_DATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth=trust --no-instructions >"$PG_DIR/initdb.log" 2>&1; then
    show_tail "$PG_DIR/initdb.log"
    die "initdb failed"
  fi
  # Keep initdb's postgresql.conf, append our settings via an include so they
  # can be regenerated on every start.
  printf "\n# bridgework: settings managed by deploy/local/infra.sh\ninclude 'bridgework.conf'\n" |
    as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
  log "initdb done in $((SECONDS - t0)) s"
}

pg_write_config() {
  # Regenerated before each start (port override, script changes).
  as_pg tee "$PG_DATA/bridgework.conf" >/dev/null <<EOF
# Generated by deploy/local/infra.sh on every start - edit the script instead.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
password_encryption = 'scram-sha-256'
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  # Superuser `postgres` only over the local socket (directory is 0750:
  # root/postgres only) without password; everything over TCP with SCRAM.
  as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<'EOF'
# Generated by deploy/local/infra.sh on every start - edit the script instead.
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 trust
local   all       all                      scram-sha-256
host    all       all       127.0.0.1/32   scram-sha-256
EOF
}

pg_running() {
  [[ -f "$PG_DATA/PG_VERSION" ]] || return 1
  pg_run pg_ctl -D "$PG_DATA" status >/dev/null 2>&1
}

pg_pid() {
  [[ -f "$PG_DATA/postmaster.pid" ]] && head -n 1 "$PG_DATA/postmaster.pid"
}

pg_wait_ready() {
  local deadline=$((SECONDS + PG_READY_TIMEOUT))
  until pg_run pg_isready -q -h "$HOST" -p "$PG_PORT" -t 2; do
    if ((SECONDS >= deadline)); then
      show_tail "$PG_LOG"
      die "PostgreSQL not ready on $HOST:$PG_PORT after ${PG_READY_TIMEOUT} s; log above"
    fi
    sleep 0.3
  done
}

pg_start() {
  local t0=$SECONDS
  if port_open "$PG_PORT"; then
    die "port $PG_PORT is already in use by another process; stop it or set BRIDGEWORK_PG_PORT"
  fi
  pg_write_config
  log "starting PostgreSQL on $HOST:$PG_PORT (data $PG_DATA)"
  # -w waits for startup; the postmaster gets its own session from pg_ctl and
  # stdio redirected to the log, but fd 9 (our lock) must be closed by hand.
  if ! pg_run pg_ctl -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_READY_TIMEOUT" start >&2 9>&-; then
    show_tail "$PG_LOG"
    die "PostgreSQL failed to start; log above"
  fi
  pg_wait_ready
  log "PostgreSQL ready on $HOST:$PG_PORT ($((SECONDS - t0)) s)"
}

# Role and database are (re)asserted on every `up`: cheap, and heals a
# dropped role or a changed password.
pg_ensure_role_db() {
  pg_psql -d postgres -f - >&2 <<'SQL'
SELECT format('CREATE ROLE bridgework LOGIN CREATEDB PASSWORD %L', 'bridgework')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bridgework') \gexec
ALTER ROLE bridgework LOGIN CREATEDB PASSWORD 'bridgework';
SELECT 'CREATE DATABASE bridgework OWNER bridgework ENCODING ''UTF8'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'bridgework') \gexec
SQL
}

pg_stop() {
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "PostgreSQL is not initialised ($PG_DATA)"
    return 0
  fi
  # Never install anything just to stop.
  PG_BIN="$(pg_find_bindir)" || die "cannot stop PostgreSQL: no PostgreSQL binaries found"
  if pg_running; then
    log "stopping PostgreSQL (pid $(pg_pid))"
    pg_run pg_ctl -D "$PG_DATA" -m fast -w -t 60 stop >&2 || die "pg_ctl stop failed"
  else
    log "PostgreSQL is not running"
  fi
}

pg_up() {
  if pg_external; then
    log "DATABASE_URL is set to another server: using it, not starting PostgreSQL"
    return 0
  fi
  pg_ensure_binaries
  pg_prepare_dir
  pg_init_if_needed
  if pg_running; then
    log "PostgreSQL already running on $HOST:$PG_PORT (pid $(pg_pid))"
    pg_wait_ready
  else
    pg_start
  fi
  pg_ensure_role_db
}

pg_require_own() {
  if pg_external; then
    die "DATABASE_URL points to an external server; refusing to $1 it"
  fi
}

# ----------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------
cmd_up() {
  # `eval "$(infra.sh up)"` would swallow our exit status (eval of an empty
  # string succeeds), so on failure print `false` for eval to run: a caller
  # with `set -e` then stops, an interactive shell just sees status 1.
  trap 'if (($? != 0)); then echo false; fi' EXIT
  take_lock
  # Everything except the final exports goes to stderr (subshell >&2), so
  # that nothing a tool prints can end up in the caller's `eval`.
  (
    kafka_up
    if secure_enabled; then
      # Every up: idempotent, and it proves an authenticated admin gets through.
      secure_apply_access
    else
      pg_up
    fi
  ) >&2
  print_exports
}

cmd_down() {
  take_lock
  kafka_stop
  secure_enabled || pg_stop
}

cmd_status() {
  local rc=0 pid
  if kafka_external; then
    if port_open_hostport "$KAFKA_BOOTSTRAP_SERVERS"; then
      echo "kafka:    external $KAFKA_BOOTSTRAP_SERVERS (reachable)"
    else
      echo "kafka:    external $KAFKA_BOOTSTRAP_SERVERS (NOT reachable)"
      rc=1
    fi
  elif pid="$(kafka_pid)"; then
    if kafka_ready; then
      echo "kafka:    up      $OWN_KAFKA_BOOTSTRAP  pid $pid  state $KAFKA_STATE"
    else
      echo "kafka:    starting/unhealthy  $OWN_KAFKA_BOOTSTRAP  pid $pid (not answering metadata requests)"
      rc=1
    fi
  else
    echo "kafka:    down    $OWN_KAFKA_BOOTSTRAP  state $KAFKA_STATE"
    rc=1
  fi

  if secure_enabled; then
    echo "postgres: none    (a secure instance is Kafka only)"
  elif pg_external; then
    echo "postgres: external (DATABASE_URL is set to another server; not checked)"
  elif [[ -f "$PG_DATA/PG_VERSION" ]] && PG_BIN="$(pg_find_bindir)" && pg_running; then
    if pg_run pg_isready -q -h "$HOST" -p "$PG_PORT" -t 2; then
      echo "postgres: up      $HOST:$PG_PORT  pid $(pg_pid)  data $PG_DATA"
    else
      echo "postgres: running but not accepting connections on $HOST:$PG_PORT  pid $(pg_pid)"
      rc=1
    fi
  else
    echo "postgres: down    $HOST:$PG_PORT  data $PG_DATA"
    rc=1
  fi
  return "$rc"
}

# host:port reachability for an external bootstrap list (first entry only).
port_open_hostport() {
  local first="${1%%,*}"
  first="${first#*://}"
  local h="${first%:*}" p="${first##*:}"
  [[ "$p" =~ ^[0-9]+$ ]] || return 1
  # shellcheck disable=SC2016 # $0/$1 expand in the inner bash, on purpose
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$h" "$p" 2>/dev/null
}

cmd_restart_kafka() {
  kafka_require_own restart
  take_lock
  (
    kafka_stop
    kafka_start
  ) >&2
}

cmd_restart_postgres() {
  secure_enabled && die "instance '$INSTANCE' has no PostgreSQL"
  pg_require_own restart
  take_lock
  (
    pg_stop
    pg_up
  ) >&2
}

cmd_kill_kafka() {
  kafka_require_own kill
  local pid i
  if pid="$(kafka_pid)"; then
    log "killing Kafka (pid $pid) with SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    # The pid file stays: `up` recognises it as stale and starts again.
  else
    log "Kafka is not running"
  fi
}

cmd_logs() {
  echo "$KAFKA_SERVER_LOG"
  echo "$KAFKA_OUT"
  echo "$PG_LOG"
}

usage() {
  cat >&2 <<EOF
usage: $0 <command>

  up                start Kafka and PostgreSQL if needed; prints export lines
                    (use: eval "\$($0 up)")
  down              stop both (idempotent)
  status            show what runs; exit 0 only if both are up
  env               print the export lines without starting anything
  restart-kafka     stop and start the broker (data is kept)
  restart-postgres  stop and start PostgreSQL (data is kept)
  kill-kafka        SIGKILL the broker (fault tests)
  logs              print the paths of the log files

instance '$INSTANCE' (BRIDGEWORK_INFRA_INSTANCE): Kafka $OWN_KAFKA_BOOTSTRAP, PostgreSQL $HOST:$PG_PORT
EOF
}

main() {
  case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) print_exports ;;
    restart-kafka) cmd_restart_kafka ;;
    restart-postgres) cmd_restart_postgres ;;
    kill-kafka) cmd_kill_kafka ;;
    logs) cmd_logs ;;
    -h | --help | help)
      usage
      ;;
    *)
      usage
      exit 2
      ;;
  esac
}

main "$@"
