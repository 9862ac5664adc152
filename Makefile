# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing.
SWIFT ?= swift
RELEASE_BIN = .build/release

.PHONY: run test chaos soak bench lua-cost worker-cost callgrind-deps compose-check docker-secrets fuzz fuzz-smoke deps build release clean

## run: build, show the example's plan, then run it live on a local cluster
## (its own redis-server unless QREW_REDIS_URL is set, a coordinator, two workers and the
## qrew-web dashboard, whose URL it prints); the cluster stays up until Ctrl-C (--keep)
run: deps release
	$(RELEASE_BIN)/qctl plan examples/ci-pipeline.yaml
	$(RELEASE_BIN)/qctl dev examples/ci-pipeline.yaml --workers 2 --keep

## test: build and run every test (Redis tests start their own redis-server).
## The pure core suite is CPU-bound; it runs on its own so it cannot starve the timing
## bounds (timeouts, cancellation) of the process and Redis suites that run after it.
## The suites that run whole clusters of real processes (crashes and faults injected on purpose,
## a clock 20 s off, adversarial submissions, rate limits measured over 10 s, CPU and memory hogs,
## an aging bound) run after them, one at a time, and the short chaos
## run (processes killed on purpose, ~25 s) and a 24 s memory soak last, one after the other, for
## the same reason. Then the fuzz smoke (fuzz-smoke).
## Swift Testing starts every test of a suite run at once unless told otherwise: ~340 redis-servers
## starting together kept a slow 2-core host (12k PING/s) busy for ~9 s, and timing bounds failed.
## TEST_WIDTH tests run at a time (Swift Testing's SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH);
## 8 was also the quickest there (41 s against 48-52 s unbounded for the process and Redis suites).
TEST_WIDTH ?= 8
CLUSTER_SUITES = PoisonSubmissionTests|ClockSkewTests|AdversarialInputTests|QuarantineTests|GatesClusterTests|ResultCacheClusterTests|ProgressClusterTests|AdaptiveConcurrencyTests|AgingFloodTests|ExampleWorkflowTests|ScheduleCrashTests|FanOutClusterTests|ConditionsClusterTests|AwaitingClusterTests|NightlyPipelineTests|FanOutRetryClusterTests|StatsClusterTests|ChildWorkflowClusterTests|LifecycleClusterTests|TraceContextClusterTests|MetricsClusterTests|PythonWorkerClusterTests|WebClusterTests|OpenAPITests|DashboardBrowserTests|DevDashboardTests|AclClusterTests|PolicyClusterTests|SentinelFailoverTests|TLSTransportTests|SignedTasksClusterTests|DirectSubmitClusterTests|CoordinatorCheckedSubmissionTests
test: export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH = $(TEST_WIDTH)
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter QrewCoreTests
	$(SWIFT) test --skip-build --skip QrewCoreTests --skip ChaosTests --skip "$(CLUSTER_SUITES)"
	$(SWIFT) test --skip-build --no-parallel --filter "$(CLUSTER_SUITES)"
	$(SWIFT) test --skip-build --filter ChaosTests
	$(MAKE) fuzz-smoke

## fuzz: build the libFuzzer targets of Fuzz/ (release, AddressSanitizer) and run each for
## FUZZ_SECONDS (default 60); prints executions, exec/s and crashes per target, exits 1 on a crash.
## make fuzz FUZZ_SECONDS=600 for a long run; FUZZ_TARGETS="intake resp" for some (Fuzz/README.md)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" scripts/fuzz.sh

## fuzz-smoke: what CI runs: a debug build of the fuzz targets (quicker to build), 3 s each from a
## fixed seed
fuzz-smoke: deps
	FUZZ_SECONDS=3 FUZZ_CONFIG=debug FUZZ_ARGS=-seed=1 scripts/fuzz.sh

## chaos: release build, then the full chaos suite (~2-3 minutes): runs flow while workers and
## coordinators are SIGKILLed, a worker is frozen past its lease, the leading coordinator past the
## leader lease, a worker is partitioned from Redis and Redis restarts (AOF).
## CHAOS_ARGS adds flags, e.g. make chaos CHAOS_ARGS="--seed 7 --kill-interval 2s --lease 2s"
## (--signing: signed tasks, a fresh key file for every coordinator and worker)
CHAOS_ARGS ?=
chaos: deps release
	$(RELEASE_BIN)/qrew-chaos --runs 60 --duration 90s $(CHAOS_ARGS)

## soak: release build, then a memory soak (default 3 minutes): runs flow continuously on a local
## cluster with a 5 s retention while Redis used_memory and DBSIZE are sampled; fails if they grow.
## SOAK_ARGS adds flags, e.g. make soak SOAK_ARGS="--duration 10m"
SOAK_ARGS ?=
soak: deps release
	$(RELEASE_BIN)/qrew-chaos soak $(SOAK_ARGS)

## bench: release build, then print every benchmark figure and write them as the current table
## at the top of docs/benchmarks.md (the previous table moves under its History heading).
## Celery, Dramatiq and huey (installed from PyPI into a virtualenv under .build; skipped with
## a message when PyPI cannot be reached) are measured on the same redis-server in the same run.
## BASELINE_BIN=DIR also runs figures (a) and (b) with the binaries in DIR (qrew-bench,
## qrew-coordinator, qrew-worker, qctl of another commit, e.g. today's), alternating with this
## build's, and puts the ratio in the table. BENCH_ARGS adds flags, e.g.
## make bench BENCH_ARGS="--signing --only ab" (figures a and b with signed tasks)
PEERS_VENV = .build/peers-venv
BASELINE_BIN ?=
bench: deps release
	@{ [ -x $(PEERS_VENV)/bin/python ] || python3 -m venv $(PEERS_VENV); } \
		&& $(PEERS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check celery dramatiq huey redis packaging \
		|| echo "bench: could not install Celery, Dramatiq and huey into $(PEERS_VENV); qrew-bench skips them"
	$(RELEASE_BIN)/qrew-bench --append docs/benchmarks.md --peers-python $(PEERS_VENV)/bin/python \
		$(if $(BASELINE_BIN),--baseline-bin $(BASELINE_BIN)) $(BENCH_ARGS)

## lua-cost: release build, then the exact Redis cost of storing, claiming and completing tasks and
## of a DAG worker's cycle (with a backlog in the queue, and with none), in instructions per task: a private redis-server under valgrind's
## callgrind, a coordinator of this build, the release's own scripts (bench/lua-cost.py says how).
## Timing cannot see a change of a few percent on a noisy host; these counts repeat within 0.2%.
## Needs valgrind (apt-get install valgrind); takes a few minutes. LUA_COST_BIN=DIR measures another build.
LUA_COST_BIN ?= $(RELEASE_BIN)
lua-cost: deps release callgrind-deps
	$(PEERS_VENV)/bin/python bench/lua-cost.py --release-bin $(LUA_COST_BIN)

## worker-cost: release build, then the exact CPU cost of one worker per no-op task, in instructions:
## a private redis-server and coordinator of this build, one worker (128 slots) under valgrind's callgrind,
## a 10,000-task matrix of echo steps (bench/worker-cost.py says how). Repeats within about 0.3%.
## Needs valgrind; takes a minute or two. WORKER_COST_BIN=DIR measures another build.
WORKER_COST_BIN ?= $(RELEASE_BIN)
worker-cost: deps release callgrind-deps
	$(PEERS_VENV)/bin/python bench/worker-cost.py --release-bin $(WORKER_COST_BIN)

## callgrind-deps: what lua-cost and worker-cost need besides the build: valgrind, and redis-py in
## the bench's Python environment.
callgrind-deps:
	@command -v valgrind >/dev/null || { echo "lua-cost, worker-cost: need valgrind (apt-get install valgrind)"; exit 1; }
	@{ [ -x $(PEERS_VENV)/bin/python ] || python3 -m venv $(PEERS_VENV); } \
		&& $(PEERS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check redis

## compose-check: docker/compose.yaml brought up and broken on purpose, on a Docker engine the script
## starts and stops itself (root; everything under .build-compose and /tmp/qrew-compose-check):
## release binaries (--static-swift-stdlib) in an image on a debootstrap'd base, Redis with AOF and a
## password, 2 coordinators, 3 workers; a 500-task run through scaling 3 -> 6 workers, a killed worker,
## a killed leader and compose stop/up, then compose down drained. One verdict line: PASS, FAIL, or
## SKIPPED when dockerd cannot start. COMPOSE_CHECK_BINARIES=DIR takes built binaries instead (CI: .build/debug).
compose-check: deps
	scripts/compose-check.sh

## docker-secrets: what docker/compose.yaml needs before its first start: a random password per
## Redis user (default, qrew-coordinator, qrew-worker, qrew-submitter, qrew-viewer) and the ACL file
## Redis loads (docker/users.acl with each user on and its password's SHA-256), in docker/secrets
## (git-ignored; existing passwords are kept). docs/security.md, *Roles and Redis ACLs*
docker-secrets:
	scripts/docker-secrets.sh docker/secrets

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

## release: the binaries with the Swift runtime and Foundation linked in statically, and qctl one
## static executable (glibc, libstdc++ and hiredis too; Package.swift): `qctl --help` then costs
## ~2 ms of CPU instead of ~7.5 ms, most of it dynamic linking (docs/benchmarks.md, "Front door:
## qctl start-up and YAML")
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

clean:
	rm -rf .build
