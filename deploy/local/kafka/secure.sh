# shellcheck shell=bash
# The SASL_SSL side of deploy/local/infra.sh, sourced by it (it uses infra.sh's
# variables and helpers): a test CA and broker certificate made with openssl, SCRAM
# users added at format time (KIP-900), a SASL_SSL listener with SCRAM-SHA-512, the
# StandardAuthorizer, and Bridgework's ACLs applied by bridgework.common.kafka_setup.
#
# Everything secret lives in the instance's state dir (git-ignored, mode 0700):
#   security/ca.pem              the test CA clients trust (BRIDGEWORK_SECURE_KAFKA_CAFILE)
#   security/broker.pem          the broker's key and certificate chain (PEM keystore, KIP-651)
#   security/users.json          {"<user>": "<password>", ...} (BRIDGEWORK_SECURE_KAFKA_USERS)
# Passwords never go to stdout: CI logs print the export lines.

SECURE_DIR="$KAFKA_STATE/security"
SECURE_CA_KEY="$SECURE_DIR/ca.key"
SECURE_CA="$SECURE_DIR/ca.pem"
SECURE_BROKER_PEM="$SECURE_DIR/broker.pem"
SECURE_USERS="$SECURE_DIR/users.json"
SECURE_ADMIN=admin
# The broker's own identity on the controller listener (mutual TLS): the subject of its
# certificate, which the default principal builder turns into User:CN=<this>.
SECURE_BROKER_CN=bridgework-broker
# One SCRAM user per service, one department (a tool producing to the raw topic), and the
# admin that creates topics and ACLs. The ACLs themselves are bridgework.common.kafka_access.
SECURE_USERS_LIST=(admin intake agreements followup graphql_gateway department)
SECURE_DEPARTMENT=department
SECURE_NAMESPACE="${BRIDGEWORK_TOPIC_NAMESPACE:-bridgework}"
SECURE_PYTHON="${BRIDGEWORK_PYTHON:-$REPO_ROOT/.venv/bin/python}"
# Absolute without resolving links: a virtualenv's python is a link to the base interpreter.
[[ "$SECURE_PYTHON" == /* ]] || SECURE_PYTHON="$PWD/$SECURE_PYTHON"

secure_enabled() { [[ "$KAFKA_SECURITY" == sasl_ssl ]]; }

# A password of a user, from users.json (hex only, so no quoting can break).
secure_password() {
  sed -n "s/.*\"$1\": \"\\([0-9a-f]*\\)\".*/\\1/p" "$SECURE_USERS"
}

# CA, broker certificate and passwords, made once; a formatted broker keeps its users, so
# losing users.json afterwards cannot be healed by making new ones.
secure_make_material() {
  mkdir -p "$SECURE_DIR"
  chmod 0700 "$SECURE_DIR"
  if [[ ! -f "$SECURE_USERS" ]]; then
    [[ -f "$KAFKA_DATA/meta.properties" ]] &&
      die "$SECURE_USERS is gone but the broker in $KAFKA_DATA was formatted with its users; remove $KAFKA_STATE to start over"
    local user sep="" json="{"
    for user in "${SECURE_USERS_LIST[@]}"; do
      json+="$sep\"$user\": \"$(openssl rand -hex 24)\""
      sep=", "
    done
    (umask 077 && printf '%s}\n' "$json" >"$SECURE_USERS")
  fi
  [[ -f "$SECURE_CA" && -f "$SECURE_BROKER_PEM" ]] && return 0
  log "making a test CA and the broker's certificate in $SECURE_DIR"
  local csr="$SECURE_DIR/broker.csr" key="$SECURE_DIR/broker.key" crt="$SECURE_DIR/broker.crt"
  local ext="$SECURE_DIR/broker.ext"
  (
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=bridgework-test-ca" \
      -keyout "$SECURE_CA_KEY" -out "$SECURE_CA" 2>/dev/null
    # PKCS#8, unencrypted: what a PEM keystore takes without ssl.key.password.
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$SECURE_BROKER_CN" \
      -keyout "$key" -out "$csr" 2>/dev/null
    # The broker serves clients (serverAuth) and is a client of its own controller (clientAuth).
    printf '%s\n' "subjectAltName=IP:$HOST,DNS:localhost" \
      "extendedKeyUsage=serverAuth,clientAuth" >"$ext"
    openssl x509 -req -in "$csr" -CA "$SECURE_CA" -CAkey "$SECURE_CA_KEY" -CAcreateserial \
      -days 3650 -extfile "$ext" -out "$crt" 2>/dev/null
    cat "$key" "$crt" >"$SECURE_BROKER_PEM"
    rm -f "$csr" "$key" "$crt" "$ext"
  ) || die "openssl could not make the test certificates"
}

# The listener part of server.properties for a SASL_SSL broker.
secure_listener_config() {
  cat <<EOF
listeners=SASL_SSL://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_SSL://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
# SCRAM credentials live in the metadata log, which the controller must read first, so the
# controller listener cannot use SCRAM: it takes mutual TLS, the broker's certificate as
# its identity (a super user), and nothing else.
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
listener.name.controller.ssl.client.auth=required
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SECURE_ADMIN" password="$(secure_password "$SECURE_ADMIN")";
ssl.keystore.type=PEM
ssl.keystore.location=$SECURE_BROKER_PEM
ssl.truststore.type=PEM
ssl.truststore.location=$SECURE_CA
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$SECURE_ADMIN;User:CN=$SECURE_BROKER_CN
allow.everyone.if.no.acl.found=false
EOF
}

# --add-scram arguments for the storage tool: every user, SCRAM-SHA-512.
secure_format_args() {
  local user
  for user in "${SECURE_USERS_LIST[@]}"; do
    printf '%s\0' --add-scram "SCRAM-SHA-512=[name=$user,password=$(secure_password "$user")]"
  done
}

# Readiness before authentication: TLS with the test CA and an ApiVersions request, which
# Kafka answers before SASL. The ACL step after it proves an authenticated admin works.
secure_probe() {
  python3 - "$HOST" "$KAFKA_PORT" "$SECURE_CA" <<'PY'
import socket
import ssl
import struct
import sys

host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
client_id = b"bridgework-infra-probe"
req = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id  # ApiVersions v0
try:
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((host, port), timeout=2) as raw:
        with context.wrap_socket(raw, server_hostname=host) as sock:
            sock.settimeout(5)
            sock.sendall(struct.pack(">i", len(req)) + req)
            size = struct.unpack(">i", sock.recv(4))[0]
            resp = b""
            while len(resp) < size:
                chunk = sock.recv(size - len(resp))
                if not chunk:
                    raise EOFError
                resp += chunk
    correlation_id, error_code = struct.unpack_from(">ih", resp, 0)
except (OSError, EOFError, struct.error, ssl.SSLError):
    sys.exit(1)
sys.exit(0 if correlation_id == 7 and error_code == 0 else 1)
PY
}

# Topics and ACLs of the default namespace, as a production topic set-up job makes them,
# with the admin's credentials through the same settings every client reads.
secure_apply_access() {
  [[ -x "$SECURE_PYTHON" ]] ||
    die "$SECURE_PYTHON not found: the secure instance applies its ACLs with the project's virtualenv (make install)"
  log "applying Bridgework's topics and ACLs for namespace '$SECURE_NAMESPACE'"
  env KAFKA_BOOTSTRAP_SERVERS="$OWN_KAFKA_BOOTSTRAP" \
    BRIDGEWORK_KAFKA_SECURITY_PROTOCOL=SASL_SSL \
    BRIDGEWORK_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \
    BRIDGEWORK_KAFKA_SASL_USERNAME="$SECURE_ADMIN" \
    BRIDGEWORK_KAFKA_SASL_PASSWORD="$(secure_password "$SECURE_ADMIN")" \
    BRIDGEWORK_KAFKA_SSL_CAFILE="$SECURE_CA" \
    "$SECURE_PYTHON" -m bridgework.common.kafka_setup --namespace "$SECURE_NAMESPACE" \
    --department "$SECURE_DEPARTMENT" --wait 60 >&2 9>&- ||
    die "applying the topics and ACLs failed"
}

secure_print_exports() {
  printf 'export BRIDGEWORK_SECURE_KAFKA_BOOTSTRAP_SERVERS=%q\n' "$OWN_KAFKA_BOOTSTRAP"
  printf 'export BRIDGEWORK_SECURE_KAFKA_CAFILE=%q\n' "$SECURE_CA"
  printf 'export BRIDGEWORK_SECURE_KAFKA_USERS=%q\n' "$SECURE_USERS"
}
