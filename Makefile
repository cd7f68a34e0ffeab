# The README's commands. `make test` is what CI runs (through .ci/run).
GO ?= go
# Packages where concurrency lives run under the race detector.
RACE_PKGS := ./bus/... ./store/... ./router/... ./connectors/... ./app/... ./config/... ./health/...

.PHONY: run demo test bench build fuzz

build:
	$(GO) build -o inboxbot ./cmd/inboxbot

run:
	$(GO) run ./cmd/inboxbot serve

demo:
	$(GO) run ./cmd/inboxbot demo

test:
	$(GO) vet ./...
	$(GO) test -race $(RACE_PKGS)
	$(GO) test $$($(GO) list ./... | grep -v -E '/(bus|store|router|connectors|app|config|health)(/|$$)')

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./bench/ ./redact/ ./store/ ./agent/
	$(GO) run ./cmd/inboxbot bench

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzRedact -fuzztime 30s ./redact/
