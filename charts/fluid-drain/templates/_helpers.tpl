{{/* Prefix of every object's name: the release name ("fluid-drain" gives config/default's names). */}}
{{- define "fluid-drain.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "fluid-drain.labels" -}}
app.kubernetes.io/name: fluid-drain
app.kubernetes.io/part-of: fluid-drain
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "fluid-drain.selectorLabels" -}}
app.kubernetes.io/name: fluid-drain
control-plane: controller-manager
{{- end -}}

{{- define "fluid-drain.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* --feature-gates value: every gate of .Values.featureGates, in reverse alphabetical order (GracefulScaleIn first, as in config/default). */}}
{{- define "fluid-drain.featureGates" -}}
{{- $gates := list -}}
{{- range $k := keys .Values.featureGates | sortAlpha | reverse -}}
{{- $gates = append $gates (printf "%s=%t" $k (index $.Values.featureGates $k)) -}}
{{- end -}}
{{- join "," $gates -}}
{{- end -}}

{{/* The leader election Lease: leaderElection.leaseName, or one named after the release. */}}
{{- define "fluid-drain.leaseName" -}}
{{- .Values.leaderElection.leaseName | default (printf "%s.alluxioruntime-controller.data.fluid.io" (include "fluid-drain.fullname" .)) -}}
{{- end -}}

{{/* Values that cannot work together stop the install, naming the value and the fix. */}}
{{- define "fluid-drain.validate" -}}
{{- if and (eq .Values.mode "fluid") (not .Values.featureGates.GracefulScaleIn) -}}
{{- fail "mode=fluid needs featureGates.GracefulScaleIn=true: the admission policy holds each Fluid worker until fluid-drain drains it, which it does only with that gate on; set the gate, or mode=standalone" -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) -}}
{{- fail "metrics.serviceMonitor.enabled=true needs metrics.enabled=true: there is no metrics endpoint to scrape" -}}
{{- end -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) -}}
{{- fail "replicas > 1 needs leaderElection.enabled=true: two controllers without a leader would both drain the same workers" -}}
{{- end -}}
{{- end -}}
