{{/*
Names, labels and small computations shared by the templates.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "wharf.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every resource name: fullnameOverride, or release-chart (just
the release name when it already contains the chart name). Truncated so that
the longest suffix ("-worker-metrics") still fits in 63 characters.
*/}}
{{- define "wharf.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 48 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "wharf.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every resource. Takes the root context. */}}
{{- define "wharf.labels" -}}
helm.sh/chart: {{ include "wharf.chart" . }}
{{ include "wharf.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: wharf
{{- end }}

{{/* Selector labels of the release. Takes the root context. */}}
{{- define "wharf.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wharf.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of one role's resources. Takes (dict "context" $ "component" "ingress")
or "worker": the role is part of the selector, so the two Deployments, their
Services and PodDisruptionBudgets never select each other's pods.
*/}}
{{- define "wharf.componentLabels" -}}
{{ include "wharf.labels" .context }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selector labels of one role; same argument as wharf.componentLabels. */}}
{{- define "wharf.componentSelectorLabels" -}}
{{ include "wharf.selectorLabels" .context }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "wharf.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "wharf.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference; the tag defaults to the chart's appVersion. */}}
{{- define "wharf.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The Secret holding WHARF_<SOURCE>_SECRETS: existingSecret, or the chart's own. */}}
{{- define "wharf.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "wharf.fullname" .)) }}
{{- end }}

{{/*
One value as an environment variable's quoted string. null becomes "" (Wharf
reads an empty variable as unset, so its default applies); a list is joined
with commas; a map becomes `key=value` pairs joined with commas, in key order;
a number is written as an integer (Helm reads numbers as floats, and 4194304
would otherwise become "4.194304e+06").
test/unit/ops/helm-chart.test.ts renders ConfigMap values the same way.
*/}}
{{- define "wharf.envValue" -}}
{{- if kindIs "invalid" . }}
{{- "" | quote }}
{{- else if kindIs "slice" . }}
{{- join "," . | quote }}
{{- else if kindIs "map" . }}
{{- $pairs := list }}
{{- range $key, $value := . }}
{{- $pairs = append $pairs (printf "%s=%s" $key (toString $value)) }}
{{- end }}
{{- join "," $pairs | quote }}
{{- else if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) }}
{{- int64 . | toString | quote }}
{{- else }}
{{- toString . | quote }}
{{- end }}
{{- end }}

{{/*
The ingress's termination grace period: the preStop sleep, then the drain
(WHARF_SHUTDOWN_GRACE_MS, which bounds the whole shutdown, disconnect
included), then a margin, so that Kubernetes never kills a pod that is still
answering the requests it accepted.
*/}}
{{- define "wharf.ingressTerminationGracePeriodSeconds" -}}
{{- $drainSeconds := div (add (int64 .Values.config.ingress.shutdownGraceMs) 999) 1000 }}
{{- add (int64 .Values.ingressDeployment.preStopSleepSeconds) $drainSeconds (int64 .Values.ingressDeployment.terminationGraceMarginSeconds) }}
{{- end }}

{{/*
Most worker replicas under KEDA: kafka.topicPartitions unless set lower. A
consumer beyond the partition count of a raw topic gets no partition of it.
*/}}
{{- define "wharf.workerMaxReplicas" -}}
{{- $partitions := int64 .Values.kafka.topicPartitions }}
{{- $max := .Values.workerDeployment.keda.maxReplicaCount }}
{{- if kindIs "invalid" $max }}
{{- $partitions }}
{{- else if gt (int64 $max) $partitions }}
{{- fail (printf "workerDeployment.keda.maxReplicaCount (%d) is above kafka.topicPartitions (%d): the extra workers would have no partition to consume" (int64 $max) $partitions) }}
{{- else }}
{{- int64 $max }}
{{- end }}
{{- end }}

{{/* The Secret holding the connection credentials: connectionSecrets.existingSecret, or the chart's own. */}}
{{- define "wharf.connectionSecretName" -}}
{{- .Values.connectionSecrets.existingSecret | default (printf "%s-connection" (include "wharf.fullname" .)) }}
{{- end }}

{{/*
The keys of the connection Secret one role needs, comma-separated, each
beside the connectionSecrets value the chart's own Secret takes it from.
Takes (dict "context" $ "role" "ingress") or "worker": both roles talk to
Kafka, only the worker to the schema registry. The SASL keys follow the
mechanism (set only with a SASL_* protocol, which values.schema.json checks).
*/}}
{{- define "wharf.connectionSecretKeys" -}}
{{- $values := .context.Values }}
{{- $keys := list }}
{{- $mechanism := $values.kafka.sasl.mechanism }}
{{- if has $mechanism (list "PLAIN" "SCRAM-SHA-256" "SCRAM-SHA-512") }}
{{- $keys = concat $keys (list "KAFKA_SASL_USERNAME" "KAFKA_SASL_PASSWORD") }}
{{- else if eq $mechanism "OAUTHBEARER" }}
{{- $keys = concat $keys (list "KAFKA_SASL_OAUTH_CLIENT_ID" "KAFKA_SASL_OAUTH_CLIENT_SECRET") }}
{{- end }}
{{- if $values.kafka.tls.clientCertificate.encryptedKey }}
{{- $keys = append $keys "KAFKA_SSL_KEY_PASSWORD" }}
{{- end }}
{{- if eq .role "worker" }}
{{- if eq $values.schemaRegistry.auth "basic" }}
{{- $keys = concat $keys (list "SCHEMA_REGISTRY_USERNAME" "SCHEMA_REGISTRY_PASSWORD") }}
{{- else if eq $values.schemaRegistry.auth "bearer" }}
{{- $keys = append $keys "SCHEMA_REGISTRY_BEARER_TOKEN" }}
{{- end }}
{{- end }}
{{- join "," $keys }}
{{- end }}

{{/* The connectionSecrets value each key of the chart's own connection Secret comes from. */}}
{{- define "wharf.connectionSecretValue" -}}
{{- $fields := dict
  "KAFKA_SASL_USERNAME" "kafkaSaslUsername"
  "KAFKA_SASL_PASSWORD" "kafkaSaslPassword"
  "KAFKA_SASL_OAUTH_CLIENT_ID" "kafkaSaslOauthClientId"
  "KAFKA_SASL_OAUTH_CLIENT_SECRET" "kafkaSaslOauthClientSecret"
  "KAFKA_SSL_KEY_PASSWORD" "kafkaSslKeyPassword"
  "SCHEMA_REGISTRY_USERNAME" "schemaRegistryUsername"
  "SCHEMA_REGISTRY_PASSWORD" "schemaRegistryPassword"
  "SCHEMA_REGISTRY_BEARER_TOKEN" "schemaRegistryBearerToken" }}
{{- index $fields .key }}
{{- end }}

{{/*
The files one role reads its TLS material and credentials from, as a YAML
list: each a read-only volume, where it is mounted, and the variables naming
its files (KAFKA_SSL_CA_FILE, KAFKA_SASL_PASSWORD_FILE…). The Deployments
render their volumes, volumeMounts and env from this one list, so that a
variable never names a file that is not mounted. Same argument as
wharf.connectionSecretKeys.
*/}}
{{- define "wharf.connectionFiles" -}}
{{- $values := .context.Values }}
{{- $files := list }}
{{- $targets := list (dict "name" "kafka" "prefix" "KAFKA_SSL" "tls" $values.kafka.tls) }}
{{- if eq .role "worker" }}
{{- $targets = append $targets (dict "name" "registry" "prefix" "SCHEMA_REGISTRY" "tls" $values.schemaRegistry.tls) }}
{{- end }}
{{- range $targets }}
{{- $name := .name }}
{{- $prefix := .prefix }}
{{- $ca := .tls.ca }}
{{- $caMount := printf "/etc/wharf/%s-ca" $name }}
{{- $caEnv := dict (printf "%s_CA_FILE" $prefix) (printf "%s/ca.crt" $caMount) }}
{{- $caItems := list (dict "key" $ca.key "path" "ca.crt") }}
{{- if $ca.secretName }}
{{- $files = append $files (dict "volume" (printf "%s-ca" $name) "mountPath" $caMount "env" $caEnv "source" (dict "secret" (dict "secretName" $ca.secretName "items" $caItems "defaultMode" 288))) }}
{{- else if $ca.configMapName }}
{{- $files = append $files (dict "volume" (printf "%s-ca" $name) "mountPath" $caMount "env" $caEnv "source" (dict "configMap" (dict "name" $ca.configMapName "items" $caItems "defaultMode" 288))) }}
{{- end }}
{{- with .tls.clientCertificate.secretName }}
{{- $certMount := printf "/etc/wharf/%s-client-certificate" $name }}
{{- $certEnv := dict (printf "%s_CERT_FILE" $prefix) (printf "%s/tls.crt" $certMount) (printf "%s_KEY_FILE" $prefix) (printf "%s/tls.key" $certMount) }}
{{- $certItems := list (dict "key" "tls.crt" "path" "tls.crt") (dict "key" "tls.key" "path" "tls.key") }}
{{- $files = append $files (dict "volume" (printf "%s-client-certificate" $name) "mountPath" $certMount "env" $certEnv "source" (dict "secret" (dict "secretName" . "items" $certItems "defaultMode" 288))) }}
{{- end }}
{{- end }}
{{- $keys := include "wharf.connectionSecretKeys" . | splitList "," | compact }}
{{- if $keys }}
{{- $mount := "/etc/wharf/credentials" }}
{{- $env := dict }}
{{- $items := list }}
{{- range $keys }}
{{- $_ := set $env (printf "%s_FILE" .) (printf "%s/%s" $mount .) }}
{{- $items = append $items (dict "key" . "path" .) }}
{{- end }}
{{- $files = append $files (dict "volume" "credentials" "mountPath" $mount "env" $env "source" (dict "secret" (dict "secretName" (include "wharf.connectionSecretName" $.context) "items" $items "defaultMode" 288))) }}
{{- end }}
{{- toYaml $files }}
{{- end }}

{{/*
The parameters KEDA's Kafka scaler needs for the Kafka settings, as the
spec of a TriggerAuthentication (secretTargetRef, configMapTargetRef), from
the Secrets and ConfigMaps the pods mount and the chart's ConfigMap; empty
when there are none (PLAINTEXT, or TLS with public CAs and no SASL).
*/}}
{{- define "wharf.kedaAuthenticationSpec" -}}
{{- $kafka := .Values.kafka }}
{{- $connection := include "wharf.connectionSecretName" . }}
{{- $secrets := list }}
{{- $configMaps := list }}
{{- with $kafka.tls.ca }}
{{- if .secretName }}
{{- $secrets = append $secrets (dict "parameter" "ca" "name" .secretName "key" .key) }}
{{- else if .configMapName }}
{{- $configMaps = append $configMaps (dict "parameter" "ca" "name" .configMapName "key" .key) }}
{{- end }}
{{- end }}
{{- with $kafka.tls.clientCertificate }}
{{- if .secretName }}
{{- $secrets = concat $secrets (list (dict "parameter" "cert" "name" .secretName "key" "tls.crt") (dict "parameter" "key" "name" .secretName "key" "tls.key")) }}
{{- end }}
{{- if .encryptedKey }}
{{- $secrets = append $secrets (dict "parameter" "keyPassword" "name" $connection "key" "KAFKA_SSL_KEY_PASSWORD") }}
{{- end }}
{{- end }}
{{- if eq $kafka.sasl.mechanism "OAUTHBEARER" }}
{{- $secrets = concat $secrets (list (dict "parameter" "username" "name" $connection "key" "KAFKA_SASL_OAUTH_CLIENT_ID") (dict "parameter" "password" "name" $connection "key" "KAFKA_SASL_OAUTH_CLIENT_SECRET")) }}
{{- $configMap := include "wharf.fullname" . }}
{{- $configMaps = append $configMaps (dict "parameter" "oauthTokenEndpointUri" "name" $configMap "key" "KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL") }}
{{- if $kafka.sasl.oauth.scope }}
{{- $configMaps = append $configMaps (dict "parameter" "scopes" "name" $configMap "key" "KAFKA_SASL_OAUTH_SCOPE") }}
{{- end }}
{{- if $kafka.sasl.oauth.extensions }}
{{- $configMaps = append $configMaps (dict "parameter" "oauthExtensions" "name" $configMap "key" "KAFKA_SASL_OAUTH_EXTENSIONS") }}
{{- end }}
{{- else if $kafka.sasl.mechanism }}
{{- $secrets = concat $secrets (list (dict "parameter" "username" "name" $connection "key" "KAFKA_SASL_USERNAME") (dict "parameter" "password" "name" $connection "key" "KAFKA_SASL_PASSWORD")) }}
{{- end }}
{{- $spec := dict }}
{{- with $secrets }}
{{- $_ := set $spec "secretTargetRef" . }}
{{- end }}
{{- with $configMaps }}
{{- $_ := set $spec "configMapTargetRef" . }}
{{- end }}
{{- if $spec }}
{{- toYaml $spec }}
{{- end }}
{{- end }}

{{/*
The TriggerAuthentication of KEDA's Kafka scaler: workerDeployment.keda.authenticationRef,
or the chart's own (<fullname>-kafka) when the scaler needs parameters, or none.
*/}}
{{- define "wharf.kedaAuthenticationName" -}}
{{- if .Values.workerDeployment.keda.authenticationRef }}
{{- .Values.workerDeployment.keda.authenticationRef }}
{{- else if include "wharf.kedaAuthenticationSpec" . }}
{{- printf "%s-kafka" (include "wharf.fullname" .) }}
{{- end }}
{{- end }}
