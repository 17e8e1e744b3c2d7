GO        ?= go
BIN       := bin/uptake
DEMO_DIR  ?= demo
DEMO_ADDR ?= 127.0.0.1:9877
PKGS      := ./...
VERSION   ?= $(shell cat VERSION)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -X github.com/prometheus/common/version.Version=$(VERSION) \
             -X github.com/prometheus/common/version.Revision=$(REVISION) \
             -X github.com/prometheus/common/version.Branch=main

# golangci-lint is pinned here; `make tools` installs it with the Go toolchain.
GOLANGCI_LINT_VERSION := v2.15.0
GOBIN     ?= $(shell $(GO) env GOPATH)/bin
GOLANGCI_LINT ?= $(GOBIN)/golangci-lint

.PHONY: all build test fmt-check vet lint tidy-check tools unit demo demo-data bench fuzz generate golden clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/uptake

## test: formatting, vet, lint, a tidy go.mod, and every test with the race detector (what CI runs).
test: fmt-check vet lint tidy-check unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

## lint: golangci-lint with .golangci.yml (the import flow, promlinter, revive, staticcheck...).
## (the pinned version is installed first when it is missing)
lint:
	@{ test -x $(GOLANGCI_LINT) && $(GOLANGCI_LINT) version --short | grep -qx '$(patsubst v%,%,$(GOLANGCI_LINT_VERSION))'; } || \
		{ echo "installing golangci-lint $(GOLANGCI_LINT_VERSION) (make tools)"; $(MAKE) --no-print-directory tools; }
	$(GOLANGCI_LINT) run $(PKGS)

## tidy-check: go.mod and go.sum are what go mod tidy makes them.
tidy-check:
	$(GO) mod tidy -diff

## tools: install the pinned golangci-lint as a Go module.
tools:
	$(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

## demo: generate the demo organisation (real git repos, no network) and serve it.
demo: build demo-data
	@echo
	@echo "uptake is starting on http://$(DEMO_ADDR)/  (the explorer; /metrics beside it; Ctrl-C stops)"
	@echo
	$(BIN) serve --config $(DEMO_DIR)/uptake.yml --storage.path $(DEMO_DIR)/data \
		--web.listen-address $(DEMO_ADDR) --scan.interval 5m

demo-data:
	$(GO) run ./cmd/uptake-demo -out $(DEMO_DIR) -force

## bench: benchmarks with figures, one table, each row beside its reference measured in the same run
## (request costs of remote scans, scan throughput, /metrics, evaluation); raw output on stderr.
bench:
	@mkdir -p bin
	$(GO) test -run '^$$' -bench . -skip 'LocalScan' -benchmem -benchtime 3x ./collector/... ./exporter/ ./cmd/uptake/ > bin/bench.txt
	@# 2,000 repos take minutes to write: one scan of each kind is enough.
	$(GO) test -run '^$$' -bench 'LocalScan' -benchtime 1x ./cmd/uptake/ >> bin/bench.txt
	$(GO) run ./internal/benchtable < bin/bench.txt

## fuzz: run every fuzz target for FUZZTIME each (local use, not CI).
FUZZTIME ?= 60s
fuzz:
	@for pkg in ./collector/detect ./collector/inventory ./collector/version ./config; do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

## generate: regenerate committed generated files (dashboards).
generate:
	$(GO) generate ./...

## golden: rewrite golden files after an intended output change.
golden:
	$(GO) test ./cmd/uptake/ -run Golden -args -update

clean:
	rm -rf bin $(DEMO_DIR)
