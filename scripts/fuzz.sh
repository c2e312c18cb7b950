#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang 19, ASan+UBSan) and runs each one for a bounded time
# on a copy of its seed corpus, after replaying its regression inputs. Fails when any target
# crashes, leaks, trips a sanitizer or an invariant, or times out on an input.
#   scripts/fuzz.sh [seconds-per-target]        (default 30)
# Environment: BADGESERVER_FUZZ_BUILD_DIR (default build-fuzz), BADGESERVER_BUILD_JOBS (default 2),
# BADGESERVER_FUZZ_TARGETS (space-separated names, default all), BADGESERVER_FUZZ_JOBS (targets run
# at a time, default BADGESERVER_BUILD_JOBS: a libFuzzer process uses one core, so each target still
# gets its full time on a core of its own).
# A build directory already configured with -DBADGESERVER_FUZZ=ON is used as it is (scripts/test.sh
# passes its clang ASan+UBSan test build, build-asan, so CI compiles the tree with clang only once);
# any other is configured here: RelWithDebInfo, fuzz targets only.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
build=${BADGESERVER_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${BADGESERVER_BUILD_JOBS:-2}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

if ! grep -qx 'BADGESERVER_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-19 \
    -DBADGESERVER_FUZZ=ON -DBADGESERVER_TESTS=OFF "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j"$jobs" --target fuzzers

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

if [ -n "${BADGESERVER_FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$BADGESERVER_FUZZ_TARGETS"
else
  targets=()
  for source in fuzz/*_fuzzer.cpp; do targets+=("$(basename "$source" .cpp | sed 's/_fuzzer$//')"); done
fi

work="$build/fuzz-run"
rm -rf "$work"
mkdir -p "$work"

# One target: replay its regression inputs, then fuzz a copy of its seed corpus. Runs in the
# background; the outcome goes to $work/<name>.outcome for the report below.
run_target() {
  local name=$1
  local binary="$build/fuzz/${name}_fuzzer"
  # Every input that once crashed a target must keep passing.
  if compgen -G "fuzz/regressions/$name/*" >/dev/null; then
    if ! "$binary" -timeout=10 -rss_limit_mb=2048 fuzz/regressions/"$name"/* >"$work/$name-regressions.log" 2>&1; then
      echo regression >"$work/$name.outcome"
      return
    fi
  fi
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  cp -r fuzz/corpus/"$name"/. "$work/$name/corpus/"
  local dict=()
  [ -f "fuzz/dict/$name.dict" ] && dict=(-dict="fuzz/dict/$name.dict")
  if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$name/artifacts/" "${dict[@]}" "$work/$name/corpus" >"$work/$name.log" 2>&1; then
    echo passed >"$work/$name.outcome"
  else
    echo crashed >"$work/$name.outcome"
  fi
}

fuzz_jobs=${BADGESERVER_FUZZ_JOBS:-$jobs}
running=0
for name in "${targets[@]}"; do
  if ((running >= fuzz_jobs)); then
    wait -n || true  # a target that failed to start reports "no outcome" below
    running=$((running - 1))
  fi
  echo "== $name"
  run_target "$name" &
  running=$((running + 1))
done
wait

failed=()
summary=()
for name in "${targets[@]}"; do
  case "$(cat "$work/$name.outcome" 2>/dev/null || echo 'no outcome')" in
    passed)
      summary+=("$name: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$name.log" | tail -n 1 || true)")
      ;;
    regression)
      tail -n 40 "$work/$name-regressions.log"
      echo "!! $name: a regression input fails"
      failed+=("$name (regression)")
      ;;
    crashed)
      tail -n 60 "$work/$name.log"
      echo "!! $name crashed; the input is in $work/$name/artifacts/ (add it to fuzz/regressions/$name/ once fixed)"
      failed+=("$name")
      ;;
    *)
      echo "!! $name: the run left no outcome"
      failed+=("$name (no outcome)")
      ;;
  esac
done

echo "== fuzz summary (${seconds}s per target, $fuzz_jobs at a time)"
for line in "${summary[@]}"; do echo "$line"; done
if ((${#failed[@]})); then
  echo "failed: ${failed[*]}"
  exit 1
fi
