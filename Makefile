# pmtud — nftables rules + a minimal NFLOG-to-broadcast helper.
# `make help` lists the targets. Everything builds into build/ (or build-<sanitizer>/).

PREFIX   ?= /usr/local
DESTDIR  ?=
UNITDIR  ?= $(PREFIX)/lib/systemd/system
MANDIR   ?= $(PREFIX)/share/man
SANITIZE ?=
CXX      ?= g++
comma    := ,

CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion -Ihelper
CPPFLAGS ?=
LDFLAGS  ?=

# Build with every core unless -jN says otherwise (make test compiles four trees: build/, the
# sanitizer build, the fuzzers and the package's build-deb/).
ifeq ($(MAKELEVEL),0)
  MAKEFLAGS += --jobs=$(shell nproc 2>/dev/null || echo 1)
endif

BUILD := build
ifneq ($(SANITIZE),)
  BUILD := build-$(subst $(comma),-,$(SANITIZE))
  CXXFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS  += -fsanitize=$(SANITIZE)
endif

CORE_LIBS   := -lnetfilter_log -lmnl
HELPER_LIBS := $(CORE_LIBS) -lnftnl -lsystemd
TEST_LIBS   := -lgtest -lgtest_main -pthread $(CORE_LIBS)
BENCH_LIBS  := -lbenchmark -lbenchmark_main -pthread $(CORE_LIBS)

CORE_SRCS  := $(wildcard helper/core/*.cpp)
IO_SRCS    := $(wildcard helper/io/*.cpp) $(wildcard helper/*.cpp)
UNIT_SRCS  := $(wildcard tests/unit/*.cpp)
BENCH_SRCS := $(wildcard bench/*.cpp) tests/unit/packet_builder.cpp tests/unit/alloc_counter.cpp
TOOL_SRCS  := $(wildcard tests/tools/*.cpp)

CORE_OBJS  := $(CORE_SRCS:%.cpp=$(BUILD)/%.o)
IO_OBJS    := $(IO_SRCS:%.cpp=$(BUILD)/%.o)
UNIT_OBJS  := $(UNIT_SRCS:%.cpp=$(BUILD)/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.cpp=$(BUILD)/%.o)
TOOLS      := $(TOOL_SRCS:tests/tools/%.cpp=$(BUILD)/tools/%)

CORE_LIB   := $(BUILD)/libpmtudcore.a
HELPER     := $(BUILD)/pmtud-helper
UNIT_TESTS := $(BUILD)/unit-tests
BENCH      := $(BUILD)/bench-core
# The pipeline benchmark's own tools (bench/pipeline): a PTB flood sender, an NFLOG wake-up probe.
PIPELINE_SRCS  := $(wildcard bench/pipeline/*.cpp)
PIPELINE_TOOLS := $(BUILD)/bench/ptb-send $(BUILD)/bench/nflog-floor

.PHONY: deb rootfs all help deps test test-unit test-systemd san-unit fuzz fuzz-build fuzz-seeds bench bench-pipeline bench-nonptb demo demo-l3 install uninstall clean format lint

all: $(HELPER) $(TOOLS)  ## build the helper and the test tools

help:  ## list the targets
	@echo "pmtud make targets:"
	@grep -hE '^[a-z][a-zA-Z0-9_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{ printf "  %-14s %s\n", $$1, $$2 }'
	@echo "variables: PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) UNITDIR=$(UNITDIR) MANDIR=$(MANDIR) SANITIZE=(e.g. address,undefined) CXX=$(CXX)"

deps:  ## install missing Debian packages (apt-get); fast when nothing is missing
	@scripts/install-deps

SAN_BUILD := build-address-undefined
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_TEST_SECONDS ?= 10
FUZZ_CXX := clang++
FUZZ_FLAGS := -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -Ihelper -Itests/unit
FUZZERS := $(FUZZ_BUILD)/fuzz_packet $(FUZZ_BUILD)/fuzz_nflog $(FUZZ_BUILD)/fuzz_peers

test: all $(UNIT_TESTS) $(PIPELINE_TOOLS) san-unit fuzz-build rootfs  ## build everything and run every test (unit, unit under ASan+UBSan, short fuzz runs, integration, alerts, the .deb under systemd, end to end)
	@BUILD=$(BUILD) PMTUD_EXTRA_UNIT=$(SAN_BUILD)/unit-tests PMTUD_FUZZERS="$(FUZZERS)" \
	  FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) PMTUD_DEB=$(BUILD)/$(DEB_NAME).deb tests/run-all

# The systemd tests' Debian tree (built once, cached under $(BUILD)/rootfs; it needs the package's
# Depends): a prerequisite of its own, so that fetching it overlaps with the other builds.
rootfs: deb
	@BUILD=$(BUILD) tests/systemd/rootfs $(BUILD)/$(DEB_NAME).deb >/dev/null

test-systemd: rootfs  ## the .deb under systemd as PID 1 in a booted Debian 12 container (root; the root file system is built once into build/rootfs)
	@BUILD=$(BUILD) PMTUD_DEB=$(BUILD)/$(DEB_NAME).deb tests/run-all tests/systemd/*.bats

fuzz-build: $(FUZZERS)  ## build the libFuzzer targets (clang, ASan+UBSan)

fuzz: $(FUZZERS)  ## run each fuzz target for FUZZ_SECONDS (default 300)
	@for f in $(FUZZERS); do tests/fuzz/run $$f $(FUZZ_SECONDS) || exit 1; done

fuzz-seeds: $(BUILD)/make-seeds  ## regenerate the checked-in seed corpora
	@mkdir -p tests/fuzz/corpus/packet tests/fuzz/corpus/nflog
	$(BUILD)/make-seeds tests/fuzz/corpus/packet tests/fuzz/corpus/nflog

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.cpp $(CORE_SRCS) $(wildcard helper/core/*.hpp) | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRCS) $(CORE_LIBS)

$(BUILD)/make-seeds: $(BUILD)/tests/fuzz/make_seeds.o $(BUILD)/tests/unit/packet_builder.o
	$(CXX) $(LDFLAGS) -o $@ $^

san-unit: | deps  ## build the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer
	@$(MAKE) --no-print-directory SANITIZE=address,undefined $(SAN_BUILD)/unit-tests

test-unit: $(UNIT_TESTS)  ## unit tests only (no privileges needed)
	@BUILD=$(BUILD) tests/run-all --unit-only

bench: $(BENCH) all $(PIPELINE_TOOLS)  ## run the per-packet Google Benchmark, then the pipeline benchmark
	$(BENCH) --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@BUILD=$(BUILD) bench/pipeline/run

bench-pipeline: all $(PIPELINE_TOOLS)  ## latency, floods with quiet routers, fan-out to peers, through the real rules and helper, in namespaces (root, ~4.5 min)
	@BUILD=$(BUILD) bench/pipeline/run

bench-nonptb: all $(PIPELINE_TOOLS)  ## what the rules cost every TCP/UDP packet, per dispatch variant, in namespaces (root, ~30 min)
	@BUILD=$(BUILD) bench/pipeline/run-nonptb

demo: all  ## the namespace colos: a PMTU black hole, then pmtud fixing it (a shared segment, then an L3 fabric)
	@BUILD=$(BUILD) tests/e2e/demo
	@BUILD=$(BUILD) tests/e2e/demo-l3

demo-l3: all  ## the second chapter alone: an L3 fabric, PTBs relayed by unicast copies to the peers
	@BUILD=$(BUILD) tests/e2e/demo-l3

# The units in systemd/ name /usr/sbin (PREFIX=/usr, as packaged); install writes this PREFIX's.
UNITS := $(notdir $(wildcard systemd/*.service))
MANS  := $(notdir $(wildcard man/*.8))

install: $(HELPER)  ## install binaries, script (and its parts), nft template, systemd units, man pages and alerting rules under $(DESTDIR)$(PREFIX)
	install -D -m 0755 $(HELPER) $(DESTDIR)$(PREFIX)/sbin/pmtud-helper
	install -D -m 0755 scripts/pmtud-setup $(DESTDIR)$(PREFIX)/sbin/pmtud-setup
	install -d $(DESTDIR)$(PREFIX)/share/pmtud/nft $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0644 nft/pmtud.nft.in $(DESTDIR)$(PREFIX)/share/pmtud/nft/
	install -d $(DESTDIR)$(PREFIX)/share/pmtud/setup
	install -m 0644 scripts/setup/*.bash $(DESTDIR)$(PREFIX)/share/pmtud/setup/
	install -d $(DESTDIR)$(PREFIX)/share/pmtud/prometheus
	install -m 0644 prometheus/pmtud.rules.yml prometheus/pmtud.rules.test.yml $(DESTDIR)$(PREFIX)/share/pmtud/prometheus/
	for u in $(UNITS); do sed 's|/usr/sbin/|$(PREFIX)/sbin/|g' systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	install -m 0644 $(addprefix man/,$(MANS)) $(DESTDIR)$(MANDIR)/man8/

uninstall:  ## remove what install put under $(DESTDIR)$(PREFIX)
	rm -f $(DESTDIR)$(PREFIX)/sbin/pmtud-helper $(DESTDIR)$(PREFIX)/sbin/pmtud-setup
	rm -rf $(DESTDIR)$(PREFIX)/share/pmtud
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS)) $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(MANS))

# The Debian package (debian/, debhelper): dpkg-buildpackage writes the .deb to the parent folder,
# as it always does. debian/rules compiles with Debian's build flags in build-deb/, never in build/.
VERSION     := $(shell sed -nE 's/.*kVersion = "([^"]+)".*/\1/p' helper/main.cpp)
DEB_VERSION := $(shell sed -nE '1s/^pmtud .([^ ]+). .*/\1/p' debian/changelog)
DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
DEB_NAME    := pmtud_$(DEB_VERSION)_$(DEB_ARCH)
DEB         := $(abspath ../$(DEB_NAME).deb)
DEB_LEFTOVERS := debian/pmtud debian/.debhelper debian/files debian/*.substvars \
                 debian/*.debhelper debian/*.debhelper.log debian/debhelper-build-stamp

deb: deps  ## build ../pmtud_VERSION_ARCH.deb with debhelper and Debian's build flags in build-deb/ (a copy in build/; the units are not enabled)
	@if [ "$(firstword $(subst -, ,$(DEB_VERSION)))" != "$(VERSION)" ]; then \
	  echo "make deb: debian/changelog says $(DEB_VERSION), pmtud-helper is $(VERSION)" >&2; exit 1; fi
	dpkg-buildpackage -b --no-sign
	@mkdir -p $(BUILD)
	@mv -f ../$(DEB_NAME).buildinfo ../$(DEB_NAME).changes $(BUILD)/
	@cp -f $(DEB) $(BUILD)/
	@echo "make deb: $(DEB) (a copy, the .buildinfo and the .changes in $(BUILD)/)"

clean:  ## remove every build directory and what make deb leaves in debian/
	rm -rf build build-* $(DEB_LEFTOVERS)

FORMATTED = $(sort $(CORE_SRCS) $(IO_SRCS) $(UNIT_SRCS) $(BENCH_SRCS) $(TOOL_SRCS) $(PIPELINE_SRCS) \
  $(wildcard helper/*.hpp helper/*/*.hpp bench/pipeline/*.hpp tests/unit/*.hpp tests/fuzz/*.cpp))

format:  ## apply clang-format to the C++ sources
	clang-format -i $(FORMATTED)

lint:  ## shellcheck the scripts, check formatting
	shellcheck -x scripts/pmtud-setup scripts/install-deps tests/run-all tests/fuzz/run .ci/run \
	  tests/e2e/demo tests/e2e/demo-l3 tests/lib/*.bash bench/pipeline/run bench/pipeline/run-nonptb bench/pipeline/*.bash \
	  tests/systemd/rootfs debian/pmtud.prerm debian/pmtud.postrm
	clang-format --dry-run --Werror $(FORMATTED)

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(HELPER): $(IO_OBJS) $(CORE_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(HELPER_LIBS)

$(UNIT_TESTS): $(UNIT_OBJS) $(CORE_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(TEST_LIBS)

$(BENCH): $(BENCH_OBJS) $(CORE_LIB)
	$(CXX) $(LDFLAGS) -o $@ $^ $(BENCH_LIBS)

$(BUILD)/bench/ptb-send: $(addprefix $(BUILD)/bench/pipeline/,ptb_send.o ptb_send_options.o send_streams.o \
                           ptb_frames.o segment_frames.o cpu_usage.o) \
                         $(BUILD)/tests/unit/packet_builder.o
	$(CXX) $(LDFLAGS) -o $@ $^

$(BUILD)/bench/nflog-floor: $(BUILD)/bench/pipeline/nflog_floor.o
	$(CXX) $(LDFLAGS) -o $@ $^ $(CORE_LIBS)

$(BUILD)/tools/%: tests/tools/%.cpp $(CORE_LIB) | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -o $@ $< $(CORE_LIB) $(HELPER_LIBS)

# Tests and benchmarks share the hand-built packets in tests/unit.
$(BUILD)/tests/%.o $(BUILD)/bench/%.o: CXXFLAGS += -Itests/unit

$(BUILD)/%.o: %.cpp | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c -o $@ $<

# Not into $(BUILD)/rootfs (the systemd tests' Debian tree, full of *.d directories).
-include $(shell find $(BUILD) -path $(BUILD)/rootfs -prune -o -name '*.d' -type f -print 2>/dev/null)
