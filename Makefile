# The README's commands. `make test` is what CI runs (through .ci/run).
GO ?= go
# Packages where concurrency lives run under the race detector. language
# runs there with -short (its concurrent detection and model loading; the
# agreement test that loads lingua-go's 1 GB of models takes minutes under
# -race and runs, without it, in the last line of test).
RACE_PKGS := ./bus/... ./store/... ./router/... ./connectors/... ./app/... ./config/... ./health/... ./agent/...

.PHONY: run demo test bench build fuzz static image

build:
	$(GO) build -o inboxbot ./cmd/inboxbot

# The static binary of deploy/Dockerfile and the systemd unit: SQLite built
# in (cgo), linked statically. deploy's tests check that the Dockerfile
# uses these same tags and flags, and build and start this binary.
STATIC_TAGS := osusergo,netgo,sqlite_omit_load_extension
STATIC_LDFLAGS := -extldflags -static
static:
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(STATIC_TAGS) -ldflags '-s -w $(STATIC_LDFLAGS)' -o inboxbot ./cmd/inboxbot

# The container image (deploy/Dockerfile: the static binary on distroless).
IMAGE ?= inboxbot:latest
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
image:
	docker build -f deploy/Dockerfile --build-arg VERSION=$(VERSION) -t $(IMAGE) .

run:
	$(GO) run ./cmd/inboxbot serve

demo:
	$(GO) run ./cmd/inboxbot demo

# cmd/inboxbot's end-to-end tests build the static binary from cold (its
# tags change every package): longer than go test's default 10 minutes on
# a loaded machine, hence -timeout.
test:
	$(GO) vet ./...
	$(GO) test -race $(RACE_PKGS)
	$(GO) test -race -short ./language/...
	$(GO) test -timeout 30m $$($(GO) list ./... | grep -v -E '/(bus|store|router|connectors|app|config|health|agent)(/|$$)')

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./bench/ ./redact/ ./store/sqlstore/ ./agent/
	$(GO) test -run '^$$' -bench '^BenchmarkDetect$$' -cpu 1 ./language/
	$(GO) test -run '^$$' -bench '^BenchmarkWebhookToInbox$$' -benchtime 1x ./app/
	$(GO) run ./cmd/inboxbot bench

# Each fuzzer for FUZZTIME; finds land in the package's testdata/fuzz as seeds.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRedact$$' -fuzztime $(FUZZTIME) ./redact/
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./config/
	$(GO) test -run '^$$' -fuzz '^FuzzDetect$$' -fuzztime $(FUZZTIME) ./language/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./connectors/facebook/
	$(GO) test -run '^$$' -fuzz '^FuzzParseWebhook$$' -fuzztime $(FUZZTIME) ./connectors/facebook/
	$(GO) test -run '^$$' -fuzz '^FuzzParseTime$$' -fuzztime $(FUZZTIME) ./connectors/facebook/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeTweets$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeDMList$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzParseErrorBody$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeV2Mentions$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeV2DMs$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzParseWebhook$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeV2Profiles$$' -fuzztime $(FUZZTIME) ./connectors/twitter/
