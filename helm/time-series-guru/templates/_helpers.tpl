{{/* The chart name, shortened to fit label values. */}}
{{- define "tsg.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every resource name: <release>-<chart> (or the release name when it contains the chart name). */}}
{{- define "tsg.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tsg.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "tsg.labels" -}}
helm.sh/chart: {{ include "tsg.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: time-series-guru
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of a component ("api" or "operator"); app.kubernetes.io/name is guru-<component>. */}}
{{- define "tsg.selectorLabels" -}}
app.kubernetes.io/name: guru-{{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* Labels of a component's objects: dict "root" $ "component" "api". */}}
{{- define "tsg.componentLabels" -}}
{{ include "tsg.labels" .root }}
{{ include "tsg.selectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "tsg.tag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* An image of the registry: dict "root" $ "repository" "guru-api". */}}
{{- define "tsg.image" -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .repository (include "tsg.tag" .root) }}
{{- end }}

{{- define "tsg.api.fullname" -}}
{{- printf "%s-api" (include "tsg.fullname" .) }}
{{- end }}

{{- define "tsg.operator.fullname" -}}
{{- printf "%s-operator" (include "tsg.fullname" .) }}
{{- end }}

{{- define "tsg.api.serviceAccountName" -}}
{{- if .Values.api.serviceAccount.create }}
{{- default (include "tsg.api.fullname" .) .Values.api.serviceAccount.name }}
{{- else }}
{{- required "api.serviceAccount.name is required when api.serviceAccount.create is false" .Values.api.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tsg.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "tsg.operator.fullname" .) .Values.operator.serviceAccount.name }}
{{- else }}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The regions databases may use: cloud.regions, or just cloud.region. */}}
{{- define "tsg.regions" -}}
{{- if .Values.cloud.regions }}{{ join "," .Values.cloud.regions }}{{ else }}{{ .Values.cloud.region }}{{ end }}
{{- end }}

{{/*
The API Deployments, as a YAML list of {name, zone}: one per zone of cloud.redis.zones in cloud
mode, else one without a zone.
*/}}
{{- define "tsg.api.deployments" -}}
{{- $base := include "tsg.api.fullname" . }}
{{- if and (eq .Values.mode "cloud") .Values.cloud.redis.zones }}
{{- range $zone := keys .Values.cloud.redis.zones | sortAlpha }}
- name: {{ printf "%s-%s" $base $zone | trunc 63 | trimSuffix "-" }}
  zone: {{ $zone }}
{{- end }}
{{- else }}
- name: {{ $base }}
  zone: ""
{{- end }}
{{- end }}

{{/* Cloud mode's required settings, with a message naming each missing one. */}}
{{- define "tsg.validate" -}}
{{- if eq .Values.mode "cloud" }}
{{- $region := required "cloud.region is required when mode is cloud (the AWS region, e.g. us-east-1)" .Values.cloud.region }}
{{- $_ := required "cloud.sns.topicArn is required when mode is cloud" .Values.cloud.sns.topicArn }}
{{- if not (hasKey .Values.cloud.sqs.queueUrls $region) }}
{{- fail (printf "cloud.sqs.queueUrls needs an entry for cloud.region (%s): the queue this region's API instances consume" $region) }}
{{- end }}
{{- if and (not .Values.cloud.redis.zones) (not .Values.cloud.redis.url) (not .Values.cloud.redis.existingSecret) }}
{{- fail "cloud mode needs Redis: set cloud.redis.zones (one URL per zone), cloud.redis.url or cloud.redis.existingSecret" }}
{{- end }}
{{- if and .Values.cloud.regions (not (has $region .Values.cloud.regions)) }}
{{- fail (printf "cloud.regions (%s) must include cloud.region (%s)" (join "," .Values.cloud.regions) $region) }}
{{- end }}
{{- if and (gt (len .Values.cloud.regions) 1) (not .Values.api.provisioner.kubeconfigs.existingSecret) }}
{{- fail "cloud.regions lists other regions: set api.provisioner.kubeconfigs.existingSecret (one kubeconfig per other region)" }}
{{- end }}
{{- end }}
{{- if and (gt (int .Values.operator.replicaCount) 1) (not .Values.operator.leaderElection.enabled) }}
{{- fail "operator.replicaCount > 1 needs operator.leaderElection.enabled: two leaderless operators would reconcile the same databases" }}
{{- end }}
{{- end }}

{{/*
Whether the chart applies a cluster-scoped object that may also be applied with kubectl (the CRD
and its admission policies): "true" when it does not exist yet, or when this release created it
and nobody else has applied it since. An object applied with kubectl (`kubectl apply
--server-side`, docs/install.md) is left to kubectl from then on, so helm install needs no
--take-ownership and helm upgrade never fights kubectl over its fields. A dropped object is not
deleted: each carries helm.sh/resource-policy keep. Call with (dict "root" $ "apiVersion" ...
"kind" ... "name" ...).
*/}}
{{- define "tsg.chartApplies" -}}
{{- $live := lookup .apiVersion .kind "" .name }}
{{- if not $live }}true
{{- else }}
{{- $annotations := $live.metadata.annotations | default dict }}
{{- $ours := and (eq (get $annotations "meta.helm.sh/release-name") .root.Release.Name) (eq (get $annotations "meta.helm.sh/release-namespace") .root.Release.Namespace) }}
{{- range $live.metadata.managedFields }}
{{- if and (ne .manager "helm") (not .subresource) }}{{ $ours = false }}{{ end }}
{{- end }}
{{- if $ours }}true{{ end }}
{{- end }}
{{- end }}

{{/* A generated manifest of files/crds/ with helm.sh/resource-policy keep added to its metadata. */}}
{{- define "tsg.kept" -}}
{{- regexReplaceAll "(?m)^metadata:\n" . "metadata:\n  annotations:\n    helm.sh/resource-policy: keep\n" }}
{{- end }}
