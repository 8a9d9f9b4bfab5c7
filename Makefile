# fluid-drain Makefile. Every tool is built from Go modules into bin/:
# no release downloads are needed (or possible) on our machines.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

ROOT := $(abspath .)
BIN := $(ROOT)/bin
K8S_BIN := $(BIN)/k8s
CONTROLLER_GEN := $(BIN)/controller-gen
CONTROLLER_TOOLS_VERSION := v0.23.0
# -p 1: the suites start control planes and emulated Alluxio processes on
# loopback addresses; one package at a time keeps them from colliding and
# keeps a 2-core machine responsive.
GO_TEST_FLAGS ?= -count=1 -p 1 -timeout 80m
# Packages of the main module (the tools under hack/tools are modules of their own).
PKGS := ./...

export KUBEBUILDER_ASSETS := $(K8S_BIN)

.PHONY: all
all: build

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD and RBAC from the API types and markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./api/..." paths="./pkg/..." paths="./cmd/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

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
verify: manifests generate ## Fail if code is not gofmt'ed or generated files are stale.
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	@if [ -n "$$(git status --porcelain -- api config)" ]; then \
		echo "'make manifests generate' changed files; run it and commit:"; git status --porcelain -- api config; exit 1; fi

# Run again under the race detector in `make test`: the unit tests, and
# RACE_SIM_SCHEDULES of the simulated fault schedules (all 200 run in the
# main pass; the real-time emulator schedules are too slow under -race).
RACE_PKGS := ./pkg/... ./test/mutants/
RACE_SIM_SCHEDULES ?= 50

.PHONY: test
test: verify vet conformance-prereqs cluster-binaries build ## Everything CI runs: checks, unit tests (and with -race), envtest, e2e, conformance, fault schedules, mutants.
	E2E=1 go test $(GO_TEST_FLAGS) $(PKGS)
	go test -race $(GO_TEST_FLAGS) $(RACE_PKGS)
	RELIABILITY_SIM_SCHEDULES=$(RACE_SIM_SCHEDULES) go test -race $(GO_TEST_FLAGS) -run '^TestSimulatedSchedules$$' ./test/reliability/
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

.PHONY: soak
soak: ## Thousands of randomized fault schedules: simulated (RELIABILITY_SIM_SCHEDULES, default 5000) and on the emulator (RELIABILITY_SCHEDULES, default 5000).
	RELIABILITY_SIM_SCHEDULES=$${RELIABILITY_SIM_SCHEDULES:-5000} go test -count=1 -timeout 0 -v -run '^TestSimulatedSchedules$$' ./test/reliability/
	RELIABILITY_SCHEDULES=$${RELIABILITY_SCHEDULES:-5000} go test -count=1 -timeout 0 -v -run '^TestSchedules$$' ./test/reliability/

.PHONY: test-binaries
test-binaries: $(K8S_BIN)/etcd $(K8S_BIN)/kube-apiserver $(K8S_BIN)/kube-controller-manager ## Build etcd, kube-apiserver and kube-controller-manager from Go modules.

##@ Build

.PHONY: build
build: ## Build the controller, the Alluxio emulator and its CLI shim.
	go build -o $(BIN)/alluxioruntime-controller ./cmd/alluxioruntime-controller
	@if [ -d cmd/alluxio-emulator ]; then go build -o $(BIN)/alluxio-emulator ./cmd/alluxio-emulator; fi
	@if [ -d cmd/alluxio ]; then go build -o $(BIN)/alluxio ./cmd/alluxio; fi

.PHONY: demo
demo: ## Watch a graceful scale-in, 5 workers to 2, on a local cluster (builds what it needs, then cleans up).
	@echo ">> [1/3] cluster binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, OpenKruise) into bin/k8s: built once, first time takes minutes"
	@$(MAKE) --no-print-directory cluster-binaries
	@echo ">> [2/3] the controller, the Alluxio emulator and the alluxio shim into bin/"
	@$(MAKE) --no-print-directory build
	@go build -o $(BIN)/demo ./hack/demo
	@echo ">> [3/3] running the demo"
	@$(BIN)/demo $(DEMO_FLAGS)

##@ Tools

$(CONTROLLER_GEN):
	@echo ">> building controller-gen $(CONTROLLER_TOOLS_VERSION) into bin/"
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

$(K8S_BIN)/etcd:
	@echo ">> building etcd from its Go module into bin/k8s (first time: about a minute)"
	cd hack/tools/etcd && go build -ldflags "-s -w" -o $@ .

$(K8S_BIN)/kube-apiserver:
	@echo ">> building kube-apiserver from k8s.io/kubernetes into bin/k8s (first time: several minutes)"
	cd hack/tools/k8s && go build -ldflags "-s -w" -o $@ k8s.io/kubernetes/cmd/kube-apiserver

$(K8S_BIN)/kube-controller-manager:
	@echo ">> building kube-controller-manager from k8s.io/kubernetes into bin/k8s (first time: a few minutes)"
	cd hack/tools/k8s && go build -ldflags "-s -w" -o $@ k8s.io/kubernetes/cmd/kube-controller-manager

.PHONY: clean
clean: ## Remove built binaries.
	rm -rf $(BIN)

.PHONY: help
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z0-9_-]+:.*?##/ { printf "  %-16s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Local cluster (issue 6)

KWOK_VERSION := v0.8.0
CLUSTER_DIR ?= $(BIN)/cluster
# e.g. CLUSTER_FLAGS="-nodes 5 -no-kruise -emulator-url http://127.0.0.1:19999"
CLUSTER_FLAGS ?=

.PHONY: cluster-binaries
cluster-binaries: test-binaries $(K8S_BIN)/kube-scheduler $(K8S_BIN)/kwok $(K8S_BIN)/kruise-manager ## Build everything the local cluster runs (skips what exists).

$(K8S_BIN)/kube-scheduler:
	@echo ">> building kube-scheduler from k8s.io/kubernetes into bin/k8s (first time: a few minutes)"
	cd hack/tools/k8s && go build -ldflags "-s -w" -o $@ k8s.io/kubernetes/cmd/kube-scheduler

$(K8S_BIN)/kwok:
	@echo ">> building kwok $(KWOK_VERSION) into bin/k8s (first time: about 2 minutes)"
	cd hack/tools/kwok && go build -ldflags "-s -w" -o $@ sigs.k8s.io/kwok/cmd/kwok

$(K8S_BIN)/kruise-manager:
	@echo ">> building the OpenKruise manager into bin/k8s (first time: about 3 minutes)"
	cd hack/tools/kruise && go build -ldflags "-s -w" -o $@ github.com/openkruise/kruise

.PHONY: e2e
e2e: cluster-binaries ## End-to-end suite on a local cluster: the controller binary, the emulator, every scale-in scenario (about 5 minutes).
	E2E=1 go test $(GO_TEST_FLAGS) -timeout 20m -v ./test/e2e/

.PHONY: cluster
cluster: cluster-binaries build ## Run a local cluster (etcd, kube-apiserver, controllers, kube-scheduler, kwok, OpenKruise) until Ctrl-C.
	go build -o $(BIN)/localcluster ./hack/localcluster
	$(BIN)/localcluster -dir $(CLUSTER_DIR) $(CLUSTER_FLAGS)

##@ Benchmarks (issue 8)

# e.g. make bench BENCH_RUNS=5; see test/bench/doc.go for BENCH_RUNTIMES, BENCH_PODS, BENCH_VICTIMS.
BENCH_RUNS ?= 3

.PHONY: bench
bench: test-binaries ## Measure scale-in time, API cost, many runtimes and memory on the local control plane; writes BENCHMARKS.md.
	BENCH=1 BENCH_RUNS=$(BENCH_RUNS) go test ./test/bench/ -run '^TestBench$$' -count=1 -v -timeout 3h
