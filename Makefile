# The README's commands. `make test` is what CI runs (through .ci/run).
GO ?= go
# Packages where concurrency lives run under the race detector.
RACE_PKGS := ./bus/... ./store/... ./router/... ./connectors/... ./app/... ./config/... ./health/... ./agent/...

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
	$(GO) test $$($(GO) list ./... | grep -v -E '/(bus|store|router|connectors|app|config|health|agent)(/|$$)')

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./bench/ ./redact/ ./store/ ./agent/
	$(GO) run ./cmd/inboxbot bench

# Each fuzzer for FUZZTIME; finds land in the package's testdata/fuzz as seeds.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRedact$$' -fuzztime $(FUZZTIME) ./redact/
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./config/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./connectors/facebook/
	$(GO) test -run '^$$' -fuzz '^FuzzParseWebhook$$' -fuzztime $(FUZZTIME) ./connectors/facebook/
	$(GO) test -run '^$$' -fuzz '^FuzzParseTime$$' -fuzztime $(FUZZTIME) ./connectors/facebook/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeTweets$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeDMList$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzParseErrorBody$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeV2Mentions$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeV2DMs$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzParseWebhook$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
