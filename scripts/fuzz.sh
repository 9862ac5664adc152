#!/usr/bin/env bash
# Builds the libFuzzer executables of Fuzz/ and runs each target for FUZZ_SECONDS, then prints
# one line per target: executions, executions per second, corpus size, and crash or ok.
# Exits 1 when any target crashed (or broke a property, timed out or ran out of memory).
#
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   targets to run (default: all six, see Fuzz/Package.swift)
#   FUZZ_CONFIG    release (default: fastest executions) or debug (fastest build: the CI smoke)
#   FUZZ_ARGS      extra libFuzzer flags, e.g. "-jobs=2" or "-seed=1"
#
# Seeds are read from Fuzz/Corpus/<target>/ (committed, never written). What a run learns goes
# to Fuzz/.build/corpus/<target>/ and is reused by the next run; crash inputs are written to
# Fuzz/.build/crashes/<target>/ and logs to Fuzz/.build/logs/<target>.log (all gitignored).
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"

seconds=${FUZZ_SECONDS:-60}
config=${FUZZ_CONFIG:-release}
targets=${FUZZ_TARGETS:-intake json taskspec duration template resp condition}
extra=${FUZZ_ARGS:-}

# SwiftPM passes its sanitizers to swiftc as separate -sanitize= flags and swiftc keeps only the
# last one, so `--sanitize=fuzzer --sanitize=address` would build without coverage. SwiftPM's
# --sanitize=fuzzer makes it link libFuzzer's main; the -Xswiftc flag (last) enables both for
# Swift, -Xcc for the C of Yams; lld links without gold's thousands of ASan warnings.
echo "fuzz: building the fuzz targets ($config, libFuzzer + AddressSanitizer)"
build_start=$SECONDS
mkdir -p .build
build_log=.build/fuzz-build.log
# A failed build stops here: the executables of an earlier build would otherwise be fuzzed.
build_status=0
swift build -c "$config" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address \
  -Xswiftc -use-ld=lld > "$build_log" 2>&1 || build_status=$?
grep -v -e '^\[' -e 'prohibited flag' -e '^Building for' "$build_log" || true
if [ "$build_status" -ne 0 ]; then
  echo "fuzz: building the fuzz targets failed (exit $build_status); see above" >&2
  exit 1
fi
bin=$(swift build -c "$config" --show-bin-path)
for target in $targets; do
  [ -x "$bin/fuzz-$target" ] || { echo "fuzz: $bin/fuzz-$target was not built" >&2; exit 1; }
done
echo "fuzz: built in $((SECONDS - build_start)) s; $seconds s per target"

# Swift's runtime keeps metadata caches for the life of the process, which LeakSanitizer would
# report; Qrew's code has no manual memory to leak. Shorter allocation stacks than the default 30
# frames: recording them was a sixth of the time of an execution.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:malloc_context_size=10}
# libFuzzer prints the stack of a crash itself; Swift's backtracer, started on a fatal error as
# well, was seen hanging after the fuzzer had exited.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}

failed=0
summary=()
for target in $targets; do
  work=".build/corpus/$target"
  crashes=".build/crashes/$target"
  log=".build/logs/$target.log"
  mkdir -p "$work" "$crashes" "$(dirname "$log")"
  dict=()
  [ -f "Dictionaries/$target.dict" ] && dict=(-dict="Dictionaries/$target.dict")
  echo "fuzz: $target ..."
  status=0
  # -timeout: an input that takes this long counts as a crash (a coordinator stuck on one
  # submission); -rss_limit_mb: as does one that needs this much memory.
  # shellcheck disable=SC2086
  "$bin/fuzz-$target" "$work" "Corpus/$target" "${dict[@]}" -max_total_time="$seconds" -timeout=25 \
    -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$crashes/" $extra >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ -z "$execs" ]; then
    # A crash ends the run before the final stats: take the last progress line.
    execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  fi
  units=$(find "$work" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    result="ok"
  else
    failed=1
    artifact=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //')
    kind=$(grep -m1 -o -e 'deadly signal' -e 'ERROR: AddressSanitizer: [a-z-]*' -e 'ERROR: libFuzzer: [a-z-]*' \
      -e 'Fatal error: .*' "$log" | head -1)
    result="CRASH (${kind:-exit $status}): Fuzz/${artifact:-$log}"
  fi
  summary+=("$(printf '%-9s %12s execs %8s exec/s %6s corpus  %s' "$target" "${execs:-0}" "${rate:-0}" "$units" "$result")")
done

echo
echo "fuzz: $seconds s per target ($config); logs in Fuzz/.build/logs/"
printf '%s\n' "${summary[@]}"
crashed=$(printf '%s\n' "${summary[@]}" | grep -c ' CRASH ' || true)
echo "fuzz: $(( ${#summary[@]} - crashed )) passed, $crashed failed"
if [ "$failed" -ne 0 ]; then
  echo "fuzz: crashes found; reproduce with $bin/fuzz-TARGET FILE, then save FILE in Fuzz/Regressions/TARGET/" >&2
  exit 1
fi
