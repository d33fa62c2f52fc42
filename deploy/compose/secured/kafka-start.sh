#!/usr/bin/env bash
# The secured Kafka's start (docker-compose.secured.yml): formats the KRaft
# storage with the SCRAM-SHA-512 users, then hands over to the apache/kafka
# image's own start, /etc/kafka/docker/run. In KRaft, users that must exist
# before the broker's first start (the broker's own inter-broker login among
# them) can only be added by the storage format (kafka-storage.sh format
# --add-scram, KIP-900), and the image's start formats without them. Its format
# then finds the storage formatted, which it accepts ("already formatted").
#
# The passwords come from the compose secrets under /run/secrets. Storage that
# is already formatted is left as it is, with the users it was formatted with.
set -euo pipefail

kafka_home=${KAFKA_HOME:-/opt/kafka}
secrets=${WHARF_SECRETS_DIR:-/run/secrets}
: "${CLUSTER_ID:?}" "${KAFKA_LOG_DIRS:?}"

if [[ -e "${KAFKA_LOG_DIRS%%,*}/meta.properties" ]]; then
  echo "===> Storage already formatted: keeping its SCRAM users."
else
  # Just enough of the configuration for the format: the node, the quorum,
  # the listeners and the log directories, as the image will render them.
  format_config=$(mktemp)
  cat >"$format_config" <<PROPERTIES
process.roles=${KAFKA_PROCESS_ROLES:?}
node.id=${KAFKA_NODE_ID:?}
controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS:?}
controller.listener.names=${KAFKA_CONTROLLER_LISTENER_NAMES:?}
listeners=${KAFKA_LISTENERS:?}
advertised.listeners=${KAFKA_ADVERTISED_LISTENERS:?}
listener.security.protocol.map=${KAFKA_LISTENER_SECURITY_PROTOCOL_MAP:?}
inter.broker.listener.name=${KAFKA_INTER_BROKER_LISTENER_NAME:?}
sasl.enabled.mechanisms=${KAFKA_SASL_ENABLED_MECHANISMS:?}
sasl.mechanism.inter.broker.protocol=${KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL:?}
log.dirs=${KAFKA_LOG_DIRS}
PROPERTIES
  scram=()
  for user in admin wharf schema-registry; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(cat "$secrets/kafka-$user-password")]")
  done
  echo "===> Formatting the storage with the SCRAM-SHA-512 users admin, wharf and schema-registry ..."
  "$kafka_home/bin/kafka-storage.sh" format --cluster-id="$CLUSTER_ID" --config "$format_config" "${scram[@]}"
  rm -f "$format_config"
fi

exec /etc/kafka/docker/run
