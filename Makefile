# ospo-scan: build, test, lint, demo, bench.
# `make demo` and `make test` are the two set-up commands of the README.

GO        ?= go
BIN       := bin/ospo-scan
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.buildVersion=$(VERSION)
TOOLS     := $(shell $(GO) env GOPATH)/bin
FIXTURE   := testdata/orgs/lhm-sample
ARTIFACTS ?= $(CURDIR)/testdata/artifacts

.PHONY: all build demo test test-deps lint vet staticcheck fmt-check unit sarif-validate actionlint fuzz bench golden clean release

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ospo-scan

# Runs the tool on the fixture organisation in testdata/ (no network).
demo: build
	@echo "== ospo-scan org $(FIXTURE) (table) =="
	-@./$(BIN) org $(FIXTURE) --fail-on never
	@mkdir -p $(ARTIFACTS)
	@./$(BIN) org $(FIXTURE) -f html -o $(ARTIFACTS)/lhm-sample.html --fail-on never
	@./$(BIN) org $(FIXTURE) -f json -o $(ARTIFACTS)/lhm-sample.json --fail-on never
	@echo "HTML report: $(ARTIFACTS)/lhm-sample.html  JSON: $(ARTIFACTS)/lhm-sample.json"

# The full test suite: installs what the tests need (Chromium, the SARIF
# validator, staticcheck, actionlint) when missing, then lints and tests.
test: test-deps lint unit sarif-validate actionlint fuzz

test-deps:
	@scripts/install-test-deps.sh

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(TOOLS)/staticcheck ./...

unit:
	OSPO_ARTIFACTS=$(ARTIFACTS) $(GO) test -race -count=1 -timeout 20m ./...

# Validates the SARIF reports with the official SARIF multitool.
sarif-validate: build
	@mkdir -p $(ARTIFACTS)
	-@./$(BIN) org $(FIXTURE) -f sarif -o $(ARTIFACTS)/org.sarif --fail-on never
	-@./$(BIN) check $(FIXTURE)/ci-unpinned -f sarif -o $(ARTIFACTS)/check.sarif --fail-on never
	scripts/sarif-validate.sh $(ARTIFACTS)/org.sarif $(ARTIFACTS)/check.sarif

actionlint:
	@if [ -f action.yml ] || [ -d docs/examples ]; then scripts/actionlint.sh; fi

# A short fuzz run of the policy parser (a longer one: FUZZTIME=10m make fuzz).
FUZZTIME ?= 20s
fuzz:
	@if [ -d policy ]; then $(GO) test ./policy -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME); fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Regenerates the reviewed golden file of the fixture organisation.
golden:
	$(GO) test ./scanner -run TestGolden -update

# Cross-compiled static binaries with the version stamped in, plus checksums.
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
release:
	@rm -rf dist && mkdir -p dist
	@for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  echo "build $$os/$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' \
	    -o dist/ospo-scan_$(VERSION)_$${os}_$${arch}$$ext ./cmd/ospo-scan || exit 1; \
	done
	@cd dist && sha256sum ospo-scan_* > SHA256SUMS && cat SHA256SUMS

clean:
	rm -rf bin dist $(ARTIFACTS)
