# seccompctl build, test and benchmark entry points. `make test` is what CI runs.
GO      ?= go
BIN     ?= bin/seccompctl
PKGS    ?= ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -s -w -X github.com/seccompctl/seccompctl/internal/cli.Version=$(VERSION)

IMAGE     ?= ghcr.io/seccompctl/seccompctl:$(VERSION)
PLATFORMS ?= linux/amd64,linux/arm64

.PHONY: all build image krew deps k8s-bins test unit check-generated generate vet fmt-check bench e2e clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/seccompctl

## image: the agent's image for $(PLATFORMS), named $(IMAGE), as an OCI image-layout
## tarball at bin/image/agent.tar (no Docker daemon; same bytes for the same tree).
image:
	CGO_ENABLED=0 $(GO) run ./test/e2e/images -o bin/image -platform $(PLATFORMS) -ldflags '$(LDFLAGS)' agent=$(IMAGE)
	@sha256sum bin/image/agent.tar

## krew: kubectl-seccomp archives and the krew manifest with their sha256 sums, in bin/krew.
krew:
	./scripts/krew.sh $(VERSION) '$(LDFLAGS)'

deps:
	./scripts/deps.sh

## k8s-bins: kube-apiserver and friends built from the pinned k8s.io/kubernetes, cached in
## test/e2e/.bin: the agent's integration tests run a real API server (slow only the first time).
k8s-bins:
	test/e2e/cluster/build-k8s.sh

## test: the whole suite (installs its apt dependencies first); root runs the kernel tests too.
test: deps k8s-bins vet fmt-check check-generated unit

unit:
	$(GO) test -count=1 -timeout 30m $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

generate:
	$(GO) generate ./...

## check-generated: regenerate and fail if committed generated files are stale.
check-generated: generate
	@git diff --exit-code -- '*generated*' || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 1 $(PKGS)

e2e: build
	./scripts/e2e.sh

clean:
	rm -rf bin
