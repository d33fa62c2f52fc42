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
with commas; a number is written as an integer (Helm reads numbers as floats,
and 4194304 would otherwise become "4.194304e+06").
test/unit/ops/helm-chart.test.ts renders ConfigMap values the same way.
*/}}
{{- define "wharf.envValue" -}}
{{- if kindIs "invalid" . }}
{{- "" | quote }}
{{- else if kindIs "slice" . }}
{{- join "," . | quote }}
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
