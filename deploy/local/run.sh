#!/usr/bin/env bash
# Run the whole system on one machine: Kafka, Postgres, the four services, a demo organisation.
#   run.sh start    start (or restart) everything and seed the demo; prints the endpoints
#   run.sh stop     stop the services, then Kafka and Postgres
#   run.sh status   what is running
# Services log to .local/dev/logs/<service>.log; pids live in .local/dev/run/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BIN=${BIN:-.venv/bin}
export BRIDGEWORK_INFRA_INSTANCE=${BRIDGEWORK_INFRA_INSTANCE:-dev}
STATE=${BRIDGEWORK_STATE_DIR:-$ROOT/.local}/$BRIDGEWORK_INFRA_INSTANCE
RUN_DIR=$STATE/run
LOG_DIR=$STATE/logs

# service name, module, port: the gateway is the one people open, on 8000.
SERVICES=(
  "intake bridgework.intake 8001"
  "agreements bridgework.agreements 8002"
  "followup bridgework.followup 8003"
  "gateway bridgework.graphql_gateway 8000"
)

say() { echo "run: $*" >&2; }

stop_services() {
  local entry name pid
  for entry in "${SERVICES[@]}"; do
    read -r name _ _ <<<"$entry"
    [ -f "$RUN_DIR/$name.pid" ] || continue
    pid=$(cat "$RUN_DIR/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping $name (pid $pid)"
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$RUN_DIR/$name.pid"
  done
}

wait_ready() {
  local name=$1 port=$2 pid=$3
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "$name exited during start-up; last lines of $LOG_DIR/$name.log:"
      tail -n 40 "$LOG_DIR/$name.log" >&2
      return 1
    fi
    if "$BIN/python" -c "import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=2)" \
      "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then
      say "$name ready on http://127.0.0.1:$port"
      return 0
    fi
    sleep 0.2
  done
  say "$name not ready after 60 s; see $LOG_DIR/$name.log"
  return 1
}

# The demo year (deploy/local/demo/): incidents are reported with each department's own
# intake token, made for the seeding and revoked right after, so no demo credential outlives
# it. The services start a year back (BRIDGEWORK_TIME_TRAVEL_START, stored on a fresh schema
# only) and the seeder moves their clocks to today; a marker in the state folder, and
# agreements holding repairs already, make a second `make run` seed nothing.
DEMO_DEPARTMENTS=(it finance hr marketing estates legal)
DEMO_SCALE=${BRIDGEWORK_DEMO_SCALE:-1}

seed_demo() {
  local department args=() intake_url
  intake_url=$(service_database_url intake)
  for department in "${DEMO_DEPARTMENTS[@]}"; do
    args+=(--token "$department=$(DATABASE_URL=$intake_url "$BIN/python" -m \
      bridgework.intake.entrypoints.cli tokens create \
      --department "$department" --label demo-seed 2>>"$LOG_DIR/intake-admin.log")")
  done
  local status=0
  "$BIN/python" deploy/local/seed_demo.py --intake-url http://127.0.0.1:8001 \
    --agreements-url http://127.0.0.1:8002 --followup-url http://127.0.0.1:8003 \
    --gateway-url http://127.0.0.1:8000 --scale "$DEMO_SCALE" \
    --state-dir "$STATE" --maildir "$MAIL_DIR" "${args[@]}" || status=$?
  DATABASE_URL=$intake_url "$BIN/python" -m bridgework.intake.entrypoints.cli tokens revoke \
    --label demo-seed 2>>"$LOG_DIR/intake-admin.log"
  return $status
}

# Each service connects as its own Postgres role, which owns the service's schema and has
# no right on any other (bridgework.common.database_roles, docs/security.md). Their
# development passwords live in the git-ignored state folder, like the JWT secret.
DB_PASSWORDS=$STATE/database-passwords
DB_ROLE_PREFIX=${BRIDGEWORK_DATABASE_ROLE_PREFIX:-bridgework_}

# The administrator that creates the roles: BRIDGEWORK_DATABASE_ADMIN_URL when set, else
# the local instance's superuser over its Unix socket, which infra.sh trusts and keeps
# next to the server's log (infra.sh's own role may not create roles); on a server of
# your own (no such socket), DATABASE_URL's role.
database_admin_url() {
  if [ -n "${BRIDGEWORK_DATABASE_ADMIN_URL:-}" ]; then
    echo "$BRIDGEWORK_DATABASE_ADMIN_URL"
    return
  fi
  local socket_dir port database
  socket_dir=$(dirname "$(deploy/local/infra.sh logs | grep '/postgres.log$')")
  read -r port database < <(database_url_part port path)
  if [ -S "$socket_dir/.s.PGSQL.$port" ]; then
    echo "postgresql://postgres@/$database?host=$socket_dir&port=$port"
  else
    echo "$DATABASE_URL"
  fi
}

# Parts of DATABASE_URL, space separated: any of host, port, path (the database's name).
database_url_part() {
  "$BIN/python" - "$DATABASE_URL" "$@" <<'PY'
import sys
from urllib.parse import urlsplit

url = urlsplit(sys.argv[1])
parts = {"host": url.hostname or "127.0.0.1", "port": str(url.port or 5432),
         "path": url.path.lstrip("/")}
print(" ".join(parts[name] for name in sys.argv[2:]))
PY
}

# A service's name above is the schema it owns (ServiceSettings.db_schema).
set_up_database() {
  local entry service admin_url
  mkdir -p "$DB_PASSWORDS"
  chmod 700 "$DB_PASSWORDS"
  for entry in "${SERVICES[@]}"; do
    read -r service _ _ <<<"$entry"
    if [ ! -s "$DB_PASSWORDS/$service" ]; then
      (umask 077; "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(24))" \
        >"$DB_PASSWORDS/$service")
    fi
  done
  admin_url=$(database_admin_url)
  (
    for entry in "${SERVICES[@]}"; do
      read -r service _ _ <<<"$entry"
      export "BRIDGEWORK_DATABASE_PASSWORD_${service^^}_FILE=$DB_PASSWORDS/$service"
    done
    BRIDGEWORK_DATABASE_ADMIN_URL=$admin_url "$BIN/python" -m bridgework.common.database_roles \
      --role-prefix "$DB_ROLE_PREFIX" 2>>"$LOG_DIR/database-roles.log"
  ) || {
    say "the database set-up failed; last lines of $LOG_DIR/database-roles.log:"
    tail -n 20 "$LOG_DIR/database-roles.log" >&2
    return 1
  }
  say "each service has its own Postgres role (${DB_ROLE_PREFIX}<service>)"
}

# A service's DATABASE_URL: its own role and password (token_urlsafe: nothing to escape).
service_database_url() {
  local host port database
  read -r host port database < <(database_url_part host port path)
  echo "postgresql://$DB_ROLE_PREFIX$1:$(cat "$DB_PASSWORDS/$1")@$host:$port/$database"
}

# The services' environment for the operator's command: `bridgework --env-file
# $STATE/bridgework.env doctor` checks what this script started (docs/operations.md).
# It holds the development secrets, so it is the owner's alone, like the files it reads.
write_env_file() {
  local entry service name
  (
    umask 077
    {
      echo "# Written by deploy/local/run.sh start; the services' environment (development)."
      echo "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS"
      for name in BRIDGEWORK_DEVELOPMENT_MODE BRIDGEWORK_TIME_TRAVEL BRIDGEWORK_TIME_TRAVEL_START \
        BRIDGEWORK_SMTP_HOST BRIDGEWORK_SMTP_PORT BRIDGEWORK_SMTP_SECURITY BRIDGEWORK_JWT_HS256_SECRET \
        BRIDGEWORK_PSEUDONYM_KEY BRIDGEWORK_PRIVACY_KEK; do
        echo "$name=${!name}"
      done
      # How the services reach a Kafka of your own (SASL, TLS), when you exported that.
      for name in $(compgen -e | grep '^BRIDGEWORK_KAFKA_' || true); do
        echo "$name=${!name}"
      done
      for entry in "${SERVICES[@]}"; do
        read -r service _ _ <<<"$entry"
        echo "BRIDGEWORK_${service^^}_DATABASE_URL=$(service_database_url "$service")"
      done
    } >"$STATE/bridgework.env"
  )
}

# The demo's mail goes to a local SMTP sink (aiosmtpd, a dev dependency) that files every
# message into a Maildir, so a person can read the nudges follow-up sends.
MAIL_PORT=8025
MAIL_DIR=$STATE/mail

start_mail_sink() {
  mkdir -p "$MAIL_DIR/tmp" "$MAIL_DIR/new" "$MAIL_DIR/cur"
  setsid nohup "$BIN/python" -m aiosmtpd -n -l "127.0.0.1:$MAIL_PORT" \
    -c aiosmtpd.handlers.Mailbox "$MAIL_DIR" >>"$LOG_DIR/mail-sink.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/mail-sink.pid"
  say "mail sink on 127.0.0.1:$MAIL_PORT files messages in $MAIL_DIR"
}

stop_mail_sink() {
  local pid
  [ -f "$RUN_DIR/mail-sink.pid" ] || return 0
  pid=$(cat "$RUN_DIR/mail-sink.pid")
  kill -0 "$pid" 2>/dev/null && kill -TERM "$pid"
  rm -f "$RUN_DIR/mail-sink.pid"
}

start() {
  eval "$(deploy/local/infra.sh up)"
  # DATABASE_URL stays the administrator's; each service gets its own below.
  export KAFKA_BOOTSTRAP_SERVERS
  # Demo only: every service's clock starts a year back on a fresh schema and moves forward
  # (POST /v1/admin/clock/advance) as the demo year is seeded; mail goes to the local sink.
  # A developer's machine: the services accept the development secrets below.
  export BRIDGEWORK_DEVELOPMENT_MODE=true
  export BRIDGEWORK_TIME_TRAVEL=true BRIDGEWORK_TIME_TRAVEL_START=-P365D \
    BRIDGEWORK_SMTP_HOST=127.0.0.1 BRIDGEWORK_SMTP_PORT=$MAIL_PORT BRIDGEWORK_SMTP_SECURITY=none
  # The seeder waits for follow-up to send each step's mail; its default 1 s polls made the
  # year's 183 steps most of the seeding time.
  export BRIDGEWORK_SCHEDULER_POLL_SECONDS=0.2 BRIDGEWORK_DELIVERY_POLL_SECONDS=0.2
  stop_services
  stop_mail_sink
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  # The gateway and agreements check people's JWTs; locally they are signed and checked
  # with one secret kept in the git-ignored state folder, exported to every service and to
  # the demo journeys (production uses the identity provider's RS256/ES256 key or JWKS).
  if [ ! -s "$STATE/gateway-jwt-secret" ]; then
    (umask 077; "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(48))" \
      >"$STATE/gateway-jwt-secret")
  fi
  BRIDGEWORK_JWT_HS256_SECRET=$(cat "$STATE/gateway-jwt-secret")
  export BRIDGEWORK_JWT_HS256_SECRET
  # Intake's key of tool users' pseudonyms (docs/privacy.md): made once and kept, so a tool
  # user stays the same person from one run to the next.
  if [ ! -s "$STATE/pseudonym-key" ]; then
    (umask 077; "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(48))" \
      >"$STATE/pseudonym-key")
  fi
  BRIDGEWORK_PSEUDONYM_KEY=$(cat "$STATE/pseudonym-key")
  export BRIDGEWORK_PSEUDONYM_KEY
  # The key-encryption key of confidential texts (docs/privacy.md), made once and kept:
  # agreements, follow-up and the gateway refuse to start without the one that wrapped the
  # stored keys, so losing this file makes every text of the local demo unreadable.
  if [ ! -s "$STATE/privacy-kek" ]; then
    (umask 077; "$BIN/python" -m bridgework.common.privacy new-kek >"$STATE/privacy-kek")
  fi
  BRIDGEWORK_PRIVACY_KEK=$(cat "$STATE/privacy-kek")
  export BRIDGEWORK_PRIVACY_KEK
  set_up_database
  write_env_file
  start_mail_sink
  local entry name module port pids=()
  for entry in "${SERVICES[@]}"; do
    read -r name module port <<<"$entry"
    DATABASE_URL=$(service_database_url "$name") BRIDGEWORK_HTTP_PORT=$port \
      setsid nohup "$BIN/python" -m "$module" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/$name.pid"
    pids+=("$!")
    say "started $name (pid $!)"
  done
  local i=0
  for entry in "${SERVICES[@]}"; do
    read -r name _ port <<<"$entry"
    wait_ready "$name" "$port" "${pids[$i]}"
    i=$((i + 1))
  done
  seed_demo
  local change_team_token db_host db_port db_name
  read -r db_host db_port db_name < <(database_url_part host port path)
  change_team_token=$("$BIN/python" "$ROOT/deploy/local/dev_jwt.py" \
    --sub p-chg-001 --roles change_team --hours 12)
  cat <<TXT

Bridgework is running.
  intake API      http://127.0.0.1:8001  (OpenAPI: http://127.0.0.1:8001/docs)
  dashboard       http://127.0.0.1:8000/dashboard#token=$change_team_token
  GraphQL         http://127.0.0.1:8000/graphql  (GraphiQL in a browser)
  intake tokens   DATABASE_URL="postgresql://${DB_ROLE_PREFIX}intake:\$(cat $DB_PASSWORDS/intake)@$db_host:$db_port/$db_name" \\
                    $BIN/python -m bridgework.intake.entrypoints.cli tokens create --department it
  agreements API  http://127.0.0.1:8002/docs
  follow-up API   http://127.0.0.1:8003/docs
  mail (Maildir)  $MAIL_DIR/new
  logs            $LOG_DIR
  check it all    $BIN/bridgework --env-file $STATE/bridgework.env doctor

The demo year runs up to today. Move every service's time forward together (never one
alone: events are stamped by each service's clock) to see reminders and check-ins arrive:
  for port in 8001 8002 8003 8000; do curl -s -X POST http://127.0.0.1:\$port/v1/admin/clock/advance \\
    -H "authorization: Bearer $change_team_token" -H 'content-type: application/json' -d '{"by": "P4D"}'; done

Try:
  curl -s http://127.0.0.1:8000/graphql -H 'content-type: application/json' \\
    -H "authorization: Bearer $change_team_token" \\
    -d '{"query":"{ repairs(first: 10) { edges { node { id departments incidents { category summary } } } } }"}'
Stop with: make stop
TXT
}

status() {
  local entry name port up=0
  deploy/local/infra.sh status || up=1
  for entry in "${SERVICES[@]}"; do
    read -r name _ port <<<"$entry"
    if [ -f "$RUN_DIR/$name.pid" ] && kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
      echo "$name: running on http://127.0.0.1:$port"
    else
      echo "$name: stopped"; up=1
    fi
  done
  return $up
}

case "${1:-}" in
  start) start ;;
  stop) stop_services; stop_mail_sink; deploy/local/infra.sh down ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
