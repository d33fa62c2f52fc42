#!/usr/bin/env bash
# The TLS material and passwords of the secured compose variant
# (docker-compose.secured.yml, docs/compose.md): a CA, Kafka's broker
# certificate signed by it (for the names kafka and localhost, in a PKCS12
# keystore), random passwords for Kafka's SCRAM-SHA-512 users (admin, wharf,
# schema-registry) and for the schema registry's basic-auth user (wharf), and
# the JAAS and client files that carry them. Each service's folder is mounted
# into that service only; secrets/ holds the files compose mounts as secrets.
#
#   deploy/compose/secured/make-certs.sh [output folder]
#
# The default output folder, deploy/compose/secured/generated, is git-ignored.
# For local use only: the files are readable by everyone, because the
# containers read them through bind mounts as uid 1000, whoever owns them here.
# A second run replaces every file; then `docker compose ... down` before the
# next `up`, since Kafka keeps the SCRAM users its storage was formatted with.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/generated}
days=825

if ! command -v openssl >/dev/null; then
  echo "make-certs.sh: openssl is required" >&2
  exit 1
fi

umask 022
mkdir -p "$out/kafka" "$out/schema-registry" "$out/secrets"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A password without a trailing newline: Wharf's *_FILE variables, the Kafka
# image's *_CREDENTIALS files and openssl's file: all read the first line.
password() {
  openssl rand -hex 24 | tr -d '\n' >"$1"
}
password "$out/secrets/kafka-admin-password"
password "$out/secrets/kafka-wharf-password"
password "$out/secrets/kafka-schema-registry-password"
password "$out/secrets/schema-registry-wharf-password"
password "$out/kafka/keystore-password"
secret() { cat "$out/secrets/$1"; }

# The CA. Its key stays here (never mounted), private to whoever ran this.
(umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/ca.key" 2>/dev/null)
openssl req -x509 -new -key "$out/ca.key" -sha256 -days "$days" -out "$out/ca.crt" \
  -subj '/CN=Wharf compose local CA' \
  -addext 'basicConstraints=critical,CA:TRUE' \
  -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -addext 'subjectKeyIdentifier=hash'

# Kafka's certificate: "kafka" inside the compose network, "localhost" from
# this machine (port 9092) and from Kafka's own health check.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/kafka.key" 2>/dev/null
openssl req -new -key "$work/kafka.key" -subj '/CN=kafka' -out "$work/kafka.csr"
cat >"$work/kafka.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:kafka, DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
openssl x509 -req -in "$work/kafka.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -sha256 -days "$days" \
  -extfile "$work/kafka.ext" -out "$work/kafka.crt" 2>/dev/null
openssl pkcs12 -export -name kafka -inkey "$work/kafka.key" -in "$work/kafka.crt" \
  -certfile "$out/ca.crt" -passout "file:$out/kafka/keystore-password" \
  -out "$out/kafka/kafka.keystore.p12"
chmod 644 "$out/kafka/kafka.keystore.p12"

# Kafka (mounted at /etc/kafka/secrets). The broker's own login, used on the
# inter-broker listener; the clients' passwords are checked against the SCRAM
# users that kafka-start.sh adds when it formats the storage.
cp "$out/ca.crt" "$out/kafka/ca.crt"
cat >"$out/kafka/jaas.conf" <<CONF
KafkaServer {
  org.apache.kafka.common.security.scram.ScramLoginModule required
  username="admin"
  password="$(secret kafka-admin-password)";
};
CONF
# The health check's client settings (kafka-topics.sh --command-config).
cat >"$out/kafka/admin-client.properties" <<CONF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret kafka-admin-password)";
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/secrets/ca.crt
CONF

# The schema registry (mounted at /etc/schema-registry/secrets): its login to
# Kafka (KafkaClient) and the users of its own basic auth (the realm named by
# SCHEMA_REGISTRY_AUTHENTICATION_REALM; Jetty 9.4's module in Confluent 7.x).
cp "$out/ca.crt" "$out/schema-registry/ca.crt"
cat >"$out/schema-registry/jaas.conf" <<CONF
KafkaClient {
  org.apache.kafka.common.security.scram.ScramLoginModule required
  username="schema-registry"
  password="$(secret kafka-schema-registry-password)";
};
SchemaRegistry-Props {
  org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required
  file="/etc/schema-registry/secrets/users.properties";
};
CONF
printf 'wharf: %s,user\n' "$(secret schema-registry-wharf-password)" \
  >"$out/schema-registry/users.properties"

echo "make-certs.sh: wrote $out"
