# jfsync: build, test, benchmark and lint.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build test test-deps bench lint clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/jfsync ./cmd/jfsync

# test installs what the tests need and is missing, then runs every test
# with the race detector.
test: test-deps
	$(GO) test -race -count=1 ./...

test-deps:
	@./scripts/test-deps.sh

# bench runs every Go benchmark, then prints the table of the large-instance
# scenarios (objects, calls against their minimum, wall time, peak memory).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./... | tee bench.out
	@echo
	@$(GO) run ./internal/tools/benchtable < bench.out

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
