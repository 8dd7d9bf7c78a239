#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this):
#   1. installs the machine packages the tests need when they are missing (PostgreSQL server binaries for the
#      throwaway database server the tests start themselves; Chromium for the browser tests),
#   2. restores the local dotnet tools and builds the solution once,
#   3. runs every test project (Microsoft.Testing.Platform) with TRX reports,
#   4. prints "N passed, N failed" as the last line, and exits non-zero if anything failed or no test ran.
# A missing prerequisite fails loudly with what to install; nothing is skipped silently.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Even a run that stops early ends with the summary line, so whoever reads only the last line sees it failed.
fail() {
  echo "tests/run.sh: $*" >&2
  echo "0 passed, 0 failed"
  exit 1
}

command -v dotnet >/dev/null ||
  fail "the .NET SDK is missing: install the SDK pinned in global.json (10.0.1xx or later), see https://dot.net"

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
/usr/bin/python3 -c "import pytest, tqdm, pip" 2>/dev/null || missing+=(python3-pytest python3-tqdm python3-pip)
if ((${#missing[@]} > 0)); then
  echo "Installing missing packages: ${missing[*]}"
  [[ $(id -u) -eq 0 ]] ||
    fail "missing packages ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' (or run this script as root)"
  command -v apt-get >/dev/null ||
    fail "missing packages ${missing[*]} and no apt-get: install the PostgreSQL server and Chromium with your package manager"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed; cannot install ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "apt-get install ${missing[*]} failed"
fi

dotnet tool restore >/dev/null || fail "dotnet tool restore failed (.config/dotnet-tools.json)"
dotnet build Portal.sln --nologo -clp:ErrorsOnly || fail "the solution does not build (errors above)"

results="$PWD/artifacts/test-results"
rm -rf "$results"

# Not `set -e` here: failing tests must still reach the summary below. --timeout bounds each test module, so a
# hung test fails the run instead of eating CI's budget.
status=0
run_module() {
  dotnet test --project "tests/$1" --no-build --report-trx --results-directory "$results" --timeout 15m
}
# The browser tests (Chromium, a portal process and the OIDC provider in each) run alone, after the rest: run beside
# the web host tests, which start portals and commands of their own, a 2-core machine's load went past 30 and
# starved both of CPU until their waits timed out. The other modules run two at a time: the web host tests (the
# longest) beside the rest, one after another.
run_module Portal.Web.Tests &
web=$!
for module in Portal.Core.Tests Portal.Provisioning.Tests Portal.Sandbox.Tests; do
  run_module "$module" || status=$?
done
wait "$web" || status=$?
run_module Portal.E2E || status=$?

# The sparkportal Python package's tests (tests/python: pytest, from Debian's python3-pytest, against the real portal
# on PostgreSQL and the sandbox). Their JUnit report is rewritten as a TRX file, so the counts and the list of failures
# below take them in like every other test module.
python_tests() {
  local code=0
  mkdir -p "$results"
  /usr/bin/python3 -m pytest tests/python -q -p no:cacheprovider --junitxml="$results/sparkportal.junit.xml" || code=$?
  /usr/bin/python3 tests/python/junit_to_trx.py "$results/sparkportal.junit.xml" "$results/sparkportal.trx" || code=1
  return "$code"
}
python_tests || status=$?

# Sum an attribute of the <Counters> element over every TRX file (one per test module).
count() {
  local attribute=$1 total=0 file value
  for file in "$results"/*.trx; do
    [[ -e $file ]] || continue
    value=$(grep -o "<Counters [^>]*>" "$file" | grep -o " $attribute=\"[0-9]*\"" | grep -o "[0-9]\+" || echo 0)
    total=$((total + value))
  done
  echo "$total"
}

# The names, messages (first lines: Playwright puts what it was waiting for there) and test-code stack frames of
# failed tests, so that whoever reads only the end of a long log sees what failed and where.
failures() {
  local file
  for file in "$results"/*.trx; do
    [[ -e $file ]] || continue
    awk 'BEGIN { RS = "<UnitTestResult " }
      {
        tag = substr($0, 1, index($0, ">"))
        if (tag !~ /outcome="(Failed|Error|Timeout|Aborted)"/) next
        name = tag; sub(/.*testName="/, "", name); sub(/".*/, "", name)
        printf "  FAILED %s\n", name
        message = ""; stack = ""
        if (match($0, /<Message>[^<]*/)) message = substr($0, RSTART + 9, RLENGTH - 9)
        if (match($0, /<StackTrace>[^<]*/)) stack = substr($0, RSTART + 12, RLENGTH - 12)
        n = split(message, lines, "\n")
        for (i = 1; i <= n && i <= 12; i++) if (lines[i] != "") printf "    %s\n", substr(lines[i], 1, 3000)
        n = split(stack, lines, "\n"); shown = 0
        for (i = 1; i <= n && shown < 4; i++) if (lines[i] ~ /\/tests\//) { printf "    %s\n", substr(lines[i], 1, 300); shown++ }
      }' "$file"
  done | sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' -e 's/&#xD;//g' -e 's/\r$//'
}

# What passing tests wrote for whoever reads the end of the log: lines they start with "note: ".
notes() {
  grep -h -o "note: [^<]*" "$results"/*.trx 2>/dev/null | cut -c 1-3000 \
    | sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' -e 's/&#xD;//g' || true
}

passed=$(count passed)
failed=$(($(count failed) + $(count error) + $(count timeout) + $(count aborted)))

if ((status != 0 && failed == 0)); then
  echo "dotnet test exited with $status without a failed test: a test module crashed or ran no tests (see above)" >&2
fi
if ((passed + failed == 0)); then
  echo "No tests ran" >&2
fi

noted=$(notes)
if [[ -n $noted ]]; then
  echo "Notes:"
  sed 's/^/  /' <<<"$noted"
fi
if ((failed > 0)); then
  echo "Failed tests:"
  failures
fi
echo "$passed passed, $failed failed"
((status == 0 && failed == 0 && passed > 0))
