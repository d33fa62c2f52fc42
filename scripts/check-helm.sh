#!/usr/bin/env bash
# The Helm chart checked by the tools that will run it: `helm lint --strict` and
# `helm template` with Helm itself on every example under helm/wharf/ci/ (and
# values.yaml alone, which must be refused: it names no Kafka), then every
# rendered manifest validated by kubeconform against the Kubernetes API
# schemas (strict: an unknown or misplaced field fails), including the
# Prometheus Operator and KEDA resources against their CRDs' schemas. A kind
# without a schema fails too. Exits non-zero on the first problem.
#
# Everything comes from the Go module proxy, pinned below and checked against
# the Go checksum database by `go`, and is cached under
# ${WHARF_CACHE_DIR:-~/.cache/wharf}/tools (a warm run builds and fetches
# nothing):
#   - helm.sh/helm/v4 and github.com/yannh/kubeconform, built with `go install`;
#   - the schemas, made by scripts/kubeconform-schemas.js from the OpenAPI
#     document of the k8s.io/kubernetes module (api/openapi-spec/swagger.json)
#     and from the CRDs shipped in the prometheus-operator and KEDA modules.
#     kubeconform's default schema source is not reachable from CI.
# Needs Go and the project's node_modules (npm ci). test/integration/deploy/
# helm.ts finds the cached helm by HELM_VERSION below and the same cache path.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

HELM_VERSION=v4.3.2
KUBECONFORM_VERSION=v0.8.0
# The oldest Kubernetes the chart declares (Chart.yaml kubeVersion >=1.25) and a current one.
KUBERNETES_VERSIONS=(v1.25.16 v1.37.2)
PROMETHEUS_OPERATOR_VERSION=v0.85.0
KEDA_VERSION=v2.20.2 # v2.21 requires Go 1.27

cache="${WHARF_CACHE_DIR:-$HOME/.cache/wharf}/tools"
helm="$cache/helm-$HELM_VERSION/helm"
kubeconform="$cache/kubeconform-$KUBECONFORM_VERSION/kubeconform"
schemas="$cache/kubeconform-schemas"
chart=helm/wharf

# Go's module and build caches live only while this runs (about 1 GB and
# 1.2 GB): once the binaries and schemas are cached nothing reads them again,
# and a cold run is really cold.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOMODCACHE="$work/go-mod" GOCACHE="$work/go-build" GOFLAGS=-modcacherw GOTOOLCHAIN=local

step() { printf '\n== %s\n' "$*"; }
fail() {
  printf 'check-helm: FAILED: %s\n' "$*" >&2
  exit 1
}

# go install <package>@<version> into <dir>, unless <dir>/<binary> is there.
go_tool() {
  local binary=$1 package=$2 version=$3
  local dir
  dir=$(dirname "$binary")
  if [[ -x $binary ]]; then
    echo "cached: $binary"
    return
  fi
  echo "building $package@$version (Go module proxy) …"
  local t=$SECONDS
  GOBIN="$work/bin" go install "$package@$version"
  mkdir -p "$dir"
  mv "$work/bin/$(basename "$binary")" "$binary"
  echo "built $binary in $((SECONDS - t)) s"
}

# The directory of a module, downloaded (and checksum-verified) into GOMODCACHE.
module_dir() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# Writes a schema directory once: into a temporary one, moved in place when complete.
schema_dir() {
  local dir=$1
  shift
  if [[ -d $dir ]]; then
    echo "cached: $dir"
    return
  fi
  rm -rf "$dir.partial"
  "$@" "$dir.partial"
  mv "$dir.partial" "$dir"
}

kubernetes_schemas() {
  local version=$1 out=$2 source
  source=$(module_dir "k8s.io/kubernetes@$version")
  [[ -f $source/api/openapi-spec/swagger.json ]] || fail "no api/openapi-spec/swagger.json in k8s.io/kubernetes@$version"
  npx --no-install node scripts/kubeconform-schemas.js kubernetes "$source/api/openapi-spec/swagger.json" "$out"
}

crd_schemas() {
  local out=$1 operator keda
  operator=$(module_dir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")/example/prometheus-operator-crd
  keda=$(module_dir "github.com/kedacore/keda/v2@$KEDA_VERSION")/config/crd/bases
  npx --no-install node scripts/kubeconform-schemas.js crds "$out" \
    "$operator/monitoring.coreos.com_servicemonitors.yaml" \
    "$operator/monitoring.coreos.com_prometheusrules.yaml" \
    "$keda/keda.sh_scaledobjects.yaml" \
    "$keda/keda.sh_triggerauthentications.yaml"
}

step "tools (cache: $cache)"
go version
go_tool "$helm" helm.sh/helm/v4/cmd/helm "$HELM_VERSION"
go_tool "$kubeconform" github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
for version in "${KUBERNETES_VERSIONS[@]}"; do
  schema_dir "$schemas/kubernetes-$version" kubernetes_schemas "$version"
done
crds="$schemas/crds-prometheus-operator-$PROMETHEUS_OPERATOR_VERSION-keda-$KEDA_VERSION"
schema_dir "$crds" crd_schemas
echo "helm: $helm ($HELM_VERSION)"
echo "kubeconform: $kubeconform ($KUBECONFORM_VERSION)"

step "values.yaml alone must be refused (no Kafka, no credentials)"
if output=$("$helm" template wharf "$chart" 2>&1); then
  fail "helm template rendered with the default values alone, which name no Kafka"
fi
grep -q ' is required' <<<"$output" || fail "unexpected error with the default values: $output"
echo "refused as expected: $(grep -o '[^ ]* is required.*' <<<"$output" | head -n 1)"

rendered="$work/rendered"
mkdir -p "$rendered"
examples=("$chart"/ci/*-values.yaml)
[[ ${#examples[@]} -gt 0 ]] || fail "no examples in $chart/ci"
for values in "${examples[@]}"; do
  name=$(basename "$values" -values.yaml)
  step "$name: helm lint --strict, helm template, kubeconform"
  "$helm" lint --strict "$chart" -f "$values" || fail "helm lint with $values"
  "$helm" template wharf "$chart" --namespace wharf -f "$values" >"$rendered/$name.yaml" ||
    fail "helm template with $values"
  echo "rendered: $(grep -c '^kind: ' "$rendered/$name.yaml") resources ($(grep '^kind: ' "$rendered/$name.yaml" | sort | uniq -c | awk '{printf "%s%s×%s", sep, $3, $1; sep=", "}'))"
  for version in "${KUBERNETES_VERSIONS[@]}"; do
    printf 'Kubernetes %s: ' "$version"
    "$kubeconform" -strict -summary -kubernetes-version "${version#v}" \
      -schema-location "$schemas/kubernetes-$version/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
      -schema-location "$crds/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
      "$rendered/$name.yaml" || fail "kubeconform (Kubernetes $version) on $values"
  done
done

step "passed: ${#examples[@]} examples linted, rendered and valid against Kubernetes ${KUBERNETES_VERSIONS[*]} in $((SECONDS - started)) s"
