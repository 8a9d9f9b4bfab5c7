# fluid-drain Makefile. Every tool is built from Go modules into bin/:
# no release downloads are needed (or possible) on our machines.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

ROOT := $(abspath .)
BIN := $(ROOT)/bin
K8S_BIN := $(BIN)/k8s
CONTROLLER_GEN := $(BIN)/controller-gen
CONTROLLER_TOOLS_VERSION := v0.23.0
HELM := $(BIN)/helm
HELM_VERSION := v3.22.0
# -p 1: the suites start control planes and emulated Alluxio processes on
# loopback addresses; one package at a time keeps them from colliding and
# keeps a 2-core machine responsive.
GO_TEST_FLAGS ?= -count=1 -p 1 -timeout 80m
# Packages of the main module (the tools under hack/tools are modules of their own).
PKGS := ./...

export KUBEBUILDER_ASSETS := $(K8S_BIN)

# The release: VERSION is its one source (the chart's version, appVersion
# and default image tag follow it; a test checks they agree). The binary
# and the image say it, with the commit they were built from.
VERSION := $(shell cat $(ROOT)/VERSION)
REVISION ?= $(shell git -C $(ROOT) rev-parse HEAD 2>/dev/null || echo unknown)
VERSION_LDFLAGS := -X github.com/fluid-drain/fluid-drain/pkg/version.version=$(VERSION) \
	-X github.com/fluid-drain/fluid-drain/pkg/version.revision=$(REVISION)

.PHONY: all
all: build

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD and RBAC from the API types and markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./api/..." paths="./pkg/..." paths="./cmd/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	@# The chart renders the CRD and the ClusterRole from copies of these.
	cp config/crd/bases/data.fluid.io_alluxioruntimes.yaml config/rbac/role.yaml charts/fluid-drain/files/

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate the deepcopy functions.
	$(CONTROLLER_GEN) object paths="./api/..."

.PHONY: fmt
fmt: ## Format the code.
	gofmt -w $$(git ls-files '*.go' | grep -v '^hack/tools/')

.PHONY: vet
vet: ## go vet.
	go vet $(PKGS)

.PHONY: verify
verify: manifests generate ## Fail if code is not gofmt'ed, generated files are stale, or go.mod/go.sum are not tidy.
	@go mod tidy -diff >/dev/null 2>&1 || { echo "go.mod/go.sum are not tidy; run 'go mod tidy' and commit. It would change:"; go mod tidy -diff; exit 1; }
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	@if [ -n "$$(git status --porcelain -- api config charts)" ]; then \
		echo "'make manifests generate' changed files; run it and commit:"; git status --porcelain -- api config charts; exit 1; fi

# Run again under the race detector in `make test`: the unit tests, and
# RACE_SIM_SCHEDULES of the simulated fault schedules (all 200 run in the
# main pass; the real-time emulator schedules are too slow under -race).
RACE_PKGS := ./pkg/... ./test/mutants/
RACE_SIM_SCHEDULES ?= 50

# What `make test` needs before its suites run, once `make verify` has
# regenerated and checked the generated files. Built two at a time: on a
# fresh machine much of it is waiting for module and jar downloads, and
# linking a large binary uses one core.
.PHONY: test-prereqs
test-prereqs: vet conformance-prereqs cluster-binaries fluid-binaries build image $(HELM) $(if $(filter 1,$(SKIP_REAL_ALLUXIO)),,alluxio-jars)

.PHONY: test
test: ## Everything CI runs: checks, unit tests (and with -race), envtest, e2e, conformance, Fluid suites, fault schedules, mutants.
	@$(MAKE) --no-print-directory verify
	@$(MAKE) --no-print-directory -j2 test-prereqs
	E2E=1 FLUID_SRC="$(FLUID_TREE)" go test $(GO_TEST_FLAGS) $(PKGS)
	go test -race $(GO_TEST_FLAGS) $(RACE_PKGS)
	RELIABILITY_SIM_SCHEDULES=$(RACE_SIM_SCHEDULES) go test -race $(GO_TEST_FLAGS) -run '^TestSimulatedSchedules$$' ./test/reliability/
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory mutants
	@if [ "$${SKIP_REAL_ALLUXIO:-}" = 1 ]; then \
		echo "NOTICE: test/conformance was SKIPPED (SKIP_REAL_ALLUXIO=1): the emulator was not compared with real Alluxio."; fi

# test/conformance runs real Alluxio servers: without java and mvn it
# fails, unless SKIP_REAL_ALLUXIO=1 skips it.
.PHONY: conformance-prereqs
conformance-prereqs:
	@if [ "$${SKIP_REAL_ALLUXIO:-}" != 1 ]; then \
		missing=""; for t in java mvn; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
		if [ -n "$$missing" ]; then \
			echo "test/conformance runs real Alluxio servers and needs java and mvn (missing:$$missing). Install them:"; \
			echo "  apt-get install -y openjdk-17-jre-headless maven"; \
			echo "or skip that suite: SKIP_REAL_ALLUXIO=1 make test"; exit 1; fi; fi

.PHONY: mutants
mutants: ## Run every mutant of test/mutants against the fast suites; fails if one survives (MUTANTS_FLAGS="-run name -v").
	go run ./test/mutants/cmd/mutants $(MUTANTS_FLAGS)

# Go native fuzz targets over the parsers of Alluxio's answers and
# settings, as package:target (`go test -fuzz` takes one of each).
FUZZ_TARGETS := \
	./pkg/ddc/alluxio/:FuzzParseAlluxioDuration \
	./pkg/ddc/alluxio/operations/:FuzzParseAlluxioSize \
	./pkg/ddc/alluxio/operations/:FuzzResolveWorkerPorts \
	./pkg/ddc/alluxio/operations/:FuzzSupportsDecommission \
	./pkg/ddc/alluxio/operations/:FuzzObserveMasterInfo \
	./pkg/ddc/alluxio/operations/:FuzzCachedFiles
FUZZTIME ?= 3s

.PHONY: fuzz
fuzz: ## Fuzz each parser of Alluxio's answers for FUZZTIME (3s; make soak: 2m). A failing input lands in the package's testdata/fuzz.
	hack/fuzz/run.sh $(FUZZTIME) $(FUZZ_TARGETS)

.PHONY: soak
soak: ## Thousands of randomized fault schedules: simulated (RELIABILITY_SIM_SCHEDULES, default 5000) and on the emulator (RELIABILITY_SCHEDULES, default 5000); then each fuzz target for SOAK_FUZZTIME (2m).
	RELIABILITY_SIM_SCHEDULES=$${RELIABILITY_SIM_SCHEDULES:-5000} go test -count=1 -timeout 0 -v -run '^TestSimulatedSchedules$$' ./test/reliability/
	RELIABILITY_SCHEDULES=$${RELIABILITY_SCHEDULES:-5000} go test -count=1 -timeout 0 -v -run '^TestSchedules$$' ./test/reliability/
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$${SOAK_FUZZTIME:-2m}

.PHONY: test-binaries
test-binaries: $(K8S_BIN)/etcd $(K8S_BIN)/kube-apiserver $(K8S_BIN)/kube-controller-manager ## Build etcd, kube-apiserver and kube-controller-manager from Go modules.

##@ Build

.PHONY: build
build: ## Build the controller, the kubectl fluid-drain plugin, the Alluxio emulator and its CLI shim.
	go build -ldflags "$(VERSION_LDFLAGS)" -o $(BIN)/alluxioruntime-controller ./cmd/alluxioruntime-controller
	go build -ldflags "$(VERSION_LDFLAGS)" -o $(BIN)/kubectl-fluid_drain ./cmd/kubectl-fluid_drain
	@if [ -d cmd/alluxio-emulator ]; then go build -o $(BIN)/alluxio-emulator ./cmd/alluxio-emulator; fi
	@if [ -d cmd/alluxio ]; then go build -o $(BIN)/alluxio ./cmd/alluxio; fi

.PHONY: image
image: ## Build the controller's OCI image (static binary, empty base, user 65532) into bin/image; prints its digest.
	go run ./hack/image -out $(BIN)/image -version $(VERSION) -revision $(REVISION)

RELEASE_DIR := $(BIN)/release
RELEASE_NAMESPACE := fluid-drain-system

.PHONY: release
release: $(HELM) ## Write the release into bin/release: the image for linux/amd64 and linux/arm64 (one OCI index), the packaged chart, install.yaml (mode fluid) and SHA256SUMS.
	rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR)
	go run ./hack/image -platforms amd64,arm64 -out $(RELEASE_DIR)/image -version $(VERSION) -revision $(REVISION)
	$(HELM) lint --strict charts/fluid-drain --kube-version $(K8S_VERSION)
	$(HELM) package charts/fluid-drain --destination $(RELEASE_DIR)
	@# One file for kubectl users: the chart's defaults (mode fluid, next to
	@# Fluid), in fluid-drain-system, the image pinned by the index digest.
	{ printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: $(RELEASE_NAMESPACE)\n'; \
	  $(HELM) template fluid-drain charts/fluid-drain --namespace $(RELEASE_NAMESPACE) --kube-version $(K8S_VERSION) \
		--set image.digest=$$(cat $(RELEASE_DIR)/image.digest); } > $(RELEASE_DIR)/install.yaml
	cd $(RELEASE_DIR) && sha256sum fluid-drain-$(VERSION).tgz install.yaml image.digest > SHA256SUMS
	@echo "release $(VERSION) ($(REVISION)) in $(RELEASE_DIR):"; ls -1 $(RELEASE_DIR)
	@echo "push the image with e.g.: skopeo copy --all oci:$(RELEASE_DIR)/image:$(VERSION) docker://REGISTRY/alluxioruntime-controller:$(VERSION)"

.PHONY: demo
demo: ## Watch fluid-drain next to Fluid: Fluid's controllers, real Alluxio, a 4 → 2 scale-in under load with and without fluid-drain (builds what it needs, then cleans up).
	@echo ">> [1/2] building what the demo runs, two at a time: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok into bin/k8s, Fluid $(FLUID_VERSION)'s controllers into bin/fluid, Helm, fluid-drain's image, and Alluxio 2.9.6's jars from Maven (the first time builds everything from source, see docs/reliability-and-testing.md for its time; later runs, seconds)"
	@# The Maven download first: it waits on the network while the builds use the cores.
	@$(MAKE) --no-print-directory -j2 alluxio-jars test-binaries $(K8S_BIN)/kube-scheduler $(K8S_BIN)/kwok fluid-binaries image $(HELM)
	@go build -o $(BIN)/fluiddemo ./hack/fluiddemo
	@echo ">> [2/2] running the demo"
	@FLUID_SRC="$(FLUID_TREE)" $(BIN)/fluiddemo $(DEMO_FLAGS)

.PHONY: demo-standalone
demo-standalone: ## Watch the standalone mode: fluid-drain runs the master and worker sets itself, 5 → 2 workers on an emulated Alluxio.
	@$(MAKE) --no-print-directory cluster-binaries build
	@go build -o $(BIN)/demo ./hack/demo
	@$(BIN)/demo $(DEMO_FLAGS)

##@ Tools

$(CONTROLLER_GEN):
	@echo ">> building controller-gen $(CONTROLLER_TOOLS_VERSION) into bin/"
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

$(K8S_BIN)/etcd:
	@echo ">> building etcd from its Go module into bin/k8s (first time: about a minute)"
	cd hack/tools/etcd && go build -ldflags "-s -w" -o $@ .

# The version the Kubernetes components report (`kubectl version`, Helm's
# .Capabilities.KubeVersion): the k8s.io/kubernetes release in hack/tools/k8s.
K8S_VERSION := v1.37.2
K8S_LDFLAGS := -s -w \
	-X k8s.io/component-base/version.gitVersion=$(K8S_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
	-X k8s.io/component-base/version.gitTreeState=clean \
	-X k8s.io/client-go/pkg/version.gitVersion=$(K8S_VERSION) \
	-X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=37 \
	-X k8s.io/client-go/pkg/version.gitTreeState=clean
# Binaries built before the version was stamped are rebuilt: they depend
# on this file, which is newer than them.
K8S_STAMP := $(K8S_BIN)/.version-$(K8S_VERSION)

$(K8S_STAMP):
	@mkdir -p $(K8S_BIN)
	@echo "kube-apiserver, kube-controller-manager and kube-scheduler here report $(K8S_VERSION)" > $@

$(K8S_BIN)/kube-apiserver: $(K8S_STAMP)
	@echo ">> building kube-apiserver $(K8S_VERSION) from k8s.io/kubernetes into bin/k8s (first time: several minutes)"
	cd hack/tools/k8s && go build -ldflags "$(K8S_LDFLAGS)" -o $@ k8s.io/kubernetes/cmd/kube-apiserver

$(K8S_BIN)/kube-controller-manager: $(K8S_STAMP)
	@echo ">> building kube-controller-manager $(K8S_VERSION) from k8s.io/kubernetes into bin/k8s (first time: a few minutes)"
	cd hack/tools/k8s && go build -ldflags "$(K8S_LDFLAGS)" -o $@ k8s.io/kubernetes/cmd/kube-controller-manager

.PHONY: helm
helm: $(HELM) ## Build Helm from its Go module into bin/helm (skips it when present).

$(HELM):
	@echo ">> building helm $(HELM_VERSION) from its Go module into bin/ (first time: a few minutes)"
	cd hack/tools/helm && go build -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION)" -o $@ helm.sh/helm/v3/cmd/helm

.PHONY: clean
clean: ## Remove built binaries.
	rm -rf $(BIN)

.PHONY: help
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z0-9_-]+:.*?##/ { printf "  %-16s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Local cluster

KWOK_VERSION := v0.8.0
CLUSTER_DIR ?= $(BIN)/cluster
# e.g. CLUSTER_FLAGS="-nodes 5 -no-kruise -emulator-url http://127.0.0.1:19999"
CLUSTER_FLAGS ?=

.PHONY: cluster-binaries
cluster-binaries: test-binaries $(K8S_BIN)/kube-scheduler $(K8S_BIN)/kwok $(K8S_BIN)/kruise-manager ## Build everything the local cluster runs (skips what exists).

$(K8S_BIN)/kube-scheduler: $(K8S_STAMP)
	@echo ">> building kube-scheduler $(K8S_VERSION) from k8s.io/kubernetes into bin/k8s (first time: a few minutes)"
	cd hack/tools/k8s && go build -ldflags "$(K8S_LDFLAGS)" -o $@ k8s.io/kubernetes/cmd/kube-scheduler

$(K8S_BIN)/kwok:
	@echo ">> building kwok $(KWOK_VERSION) into bin/k8s (first time: about 2 minutes)"
	cd hack/tools/kwok && go build -ldflags "-s -w" -o $@ sigs.k8s.io/kwok/cmd/kwok

$(K8S_BIN)/kruise-manager:
	@echo ">> building the OpenKruise manager into bin/k8s (first time: about 3 minutes)"
	cd hack/tools/kruise && go build -ldflags "-s -w" -o $@ github.com/openkruise/kruise

.PHONY: e2e
e2e: cluster-binaries $(HELM) ## End-to-end suite on a local cluster: the controller binary, the emulator, every scale-in scenario (about 5 minutes).
	E2E=1 go test $(GO_TEST_FLAGS) -timeout 20m -v ./test/e2e/

# FLUID=1: Fluid's own controllers and real Alluxio behind its pods instead of OpenKruise.
FLUID ?=

.PHONY: cluster
cluster: cluster-binaries build $(if $(FLUID),fluid-binaries) ## Run a local cluster (etcd, kube-apiserver, controllers, kube-scheduler, kwok, OpenKruise; with FLUID=1 Fluid and real Alluxio) until Ctrl-C.
	go build -o $(BIN)/localcluster ./hack/localcluster
	FLUID_SRC="$(FLUID_TREE)" $(BIN)/localcluster -dir $(CLUSTER_DIR) $(if $(FLUID),-fluid) $(CLUSTER_FLAGS)

##@ Benchmarks

# e.g. make bench BENCH_RUNS=5; see test/bench/doc.go for BENCH_RUNTIMES, BENCH_PODS, BENCH_VICTIMS.
BENCH_RUNS ?= 3

.PHONY: bench
bench: test-binaries ## Measure scale-in time, API cost, many runtimes and memory on the local control plane; writes BENCHMARKS.md.
	BENCH=1 BENCH_RUNS=$(BENCH_RUNS) go test ./test/bench/ -run '^TestBench$$' -count=1 -v -timeout 3h

##@ Fluid on the local cluster

FLUID_VERSION := v1.0.8
FLUID_SHA256 := c6bdfb04323a403eebc8dd2f50027a9b3834a8ffafcb759cf3b2a4034e7c2434
# Without the tarball, the tag is cloned from FLUID_GIT_URL and checked:
# its commit, and the sha256 of its tree (hack/fluid/tree-sha256.sh), the
# same tree the tarball holds.
FLUID_COMMIT := de578cd23c56a83b527ac00586ab1659cf460f68
FLUID_TREE_SHA256 := fdca4294309974fafb0774b0a1d0440c0bf44d18e650a89185e9727786721e23
FLUID_GIT_URL ?= https://github.com/fluid-cloudnative/fluid
# Fluid's source release (vendor/ included); its module is not on the Go proxy.
# Optional: where it is absent, the tag is cloned instead (needs network).
FLUID_TARBALL ?= $(abspath $(ROOT)/../shared/fluid/fluid-$(FLUID_VERSION).tar.gz)
# FLUID_SRC: an unpacked Fluid $(FLUID_VERSION) tree to use instead of the tarball.
FLUID_SRC ?=
FLUID_BIN := $(BIN)/fluid
FLUID_TREE := $(if $(FLUID_SRC),$(abspath $(FLUID_SRC)),$(BIN)/fluid-src/fluid-$(FLUID_VERSION))

.PHONY: alluxio-jars
alluxio-jars: ## Resolve Alluxio 2.9.6's jars from Maven Central into bin/alluxio-jars (returns at once when they are there).
	hack/alluxio/fetch.sh

.PHONY: fluid-binaries
fluid-binaries: $(FLUID_BIN)/dataset-controller $(FLUID_BIN)/alluxioruntime-controller $(FLUID_BIN)/ddc-helm ## Build Fluid's dataset and AlluxioRuntime controllers and Helm (as ddc-helm) into bin/fluid (skips what exists).

# The Fluid tree: FLUID_SRC as given; or the tarball checked and unpacked;
# or, where the tarball is absent, a shallow git clone of the tag checked
# against the same tree (hack/fluid/source.sh).
$(FLUID_TREE)/go.mod:
	@if [ -n "$(FLUID_SRC)" ]; then echo "FLUID_SRC=$(FLUID_SRC) has no go.mod: it must be Fluid's source tree at $(FLUID_VERSION)"; exit 1; fi
	FLUID_VERSION=$(FLUID_VERSION) FLUID_SHA256=$(FLUID_SHA256) FLUID_COMMIT=$(FLUID_COMMIT) FLUID_TREE_SHA256=$(FLUID_TREE_SHA256) \
		FLUID_GIT_URL=$(FLUID_GIT_URL) FLUID_TARBALL="$(FLUID_TARBALL)" hack/fluid/source.sh $(BIN)/fluid-src

$(FLUID_BIN)/dataset-controller: | $(FLUID_TREE)/go.mod
	@echo ">> building Fluid's dataset-controller $(FLUID_VERSION) into bin/fluid (first time: a few minutes)"
	cd $(FLUID_TREE) && GOFLAGS=-mod=vendor go build -ldflags "-s -w" -o $@ ./cmd/dataset

$(FLUID_BIN)/alluxioruntime-controller: | $(FLUID_TREE)/go.mod
	@echo ">> building Fluid's alluxioruntime-controller $(FLUID_VERSION) into bin/fluid (first time: a few minutes)"
	cd $(FLUID_TREE) && GOFLAGS=-mod=vendor go build -ldflags "-s -w" -o $@ ./cmd/alluxio

# Fluid runs Helm by the name ddc-helm: the same build as bin/helm.
$(FLUID_BIN)/ddc-helm: $(HELM)
	@mkdir -p $(FLUID_BIN)
	cp $(HELM) $@

.PHONY: e2e-fluid
e2e-fluid: cluster-binaries fluid-binaries ## Fluid itself on the local cluster with real Alluxio: set-up, the runner, the Fluid-alone baseline, fluid-drain next to Fluid, its data moves and its mid-drain scenarios (about 9 minutes).
	E2E=1 FLUID_SRC="$(FLUID_TREE)" go test $(GO_TEST_FLAGS) -timeout 30m -v ./test/fluid/...
