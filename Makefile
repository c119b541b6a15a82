# mqdb: PGXS build of the extension, plus the pure-C test targets.
#
#   make / make install      build and install the extension
#   make installcheck        pg_regress against a running server (PG* env)
#   make unitcheck           pure-C unit tests under ASan + UBSan
#   make fuzz-smoke          corpus replay plus a short libFuzzer run per target
#   make lint                layering and version checks
#   make bench               benchmarks vs mosquitto (scripts/bench.sh)
#
# scripts/start.sh and scripts/test.sh wrap all of this; see README.md.

EXTENSION  = mqdb
EXTVERSION = $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = mqdb
# Directories are the unit of policy: the first four never see a Postgres header.
PURE_DIRS  = src/common src/proto src/broker src/net
PURE_SRCS  = $(sort $(wildcard $(addsuffix /*.c,$(PURE_DIRS))))
PG_SRCS    = $(sort $(wildcard src/pg/*.c))
OBJS       = $(PURE_SRCS:.c=.o) $(PG_SRCS:.c=.o)

INSTALL_PARTS = $(sort $(wildcard sql/install/*.sql))
DATA          = $(wildcard sql/$(EXTENSION)--*--*.sql)
DATA_built    = sql/$(EXTENSION)--$(EXTVERSION).sql

PG_CPPFLAGS = -I$(srcdir)/src -DMQDB_VERSION='"$(EXTVERSION)"'
PG_CFLAGS   = -std=gnu11 -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
              -Wno-sign-compare $(MQDB_CFLAGS)

# pg_regress inputs: sql/NNN_*.sql with expected/NNN_*.out, run in name order.
REGRESS        = $(sort $(basename $(notdir $(wildcard sql/[0-9][0-9][0-9]_*.sql))))
REGRESS_OPTS   = --inputdir=. --encoding=UTF8 --no-locale
CONTRIB_TESTDB = mqdb_regress

EXTRA_CLEAN = $(DATA_built) regression.diffs regression.out results $(OBJS:.o=.d)

# Bitcode for JIT inlining is of no use to a broker; skip the clang pass.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS as packaged does not track header dependencies (autodepend is off),
# so a changed struct in a header would leave stale objects behind: have
# the compiler write them and read them back.
override CFLAGS += -MMD -MP
-include $(OBJS:.o=.d)

$(DATA_built): $(INSTALL_PARTS) $(EXTENSION).control
	cat $(INSTALL_PARTS) > $@

.PHONY: unitcheck lint fuzz fuzz-smoke bench
unitcheck:
	$(MAKE) -C test/unit check

fuzz:
	$(MAKE) -C test/fuzz

fuzz-smoke:
	$(MAKE) -C test/fuzz smoke

lint:
	test/check-purity.sh
	test/check-version.sh

# BENCH=mqtt (or check, mqtt-sanity, ...) runs some suites; default all.
bench:
	scripts/bench.sh $(BENCH)
