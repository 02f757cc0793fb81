#!/usr/bin/env bash
# Runs the PromptOps benchmarks (BenchmarkDotNet) and copies the GitHub-markdown reports to bench/results/.
#   bench/run.sh                 full runs (default job: minutes per benchmark class)
#   bench/run.sh --short         BenchmarkDotNet's short job (3 iterations; what docs/benchmarks.md reports today)
#   bench/run.sh --quick         one iteration each: a smoke run that checks every benchmark's output, not its speed
# Extra arguments go to BenchmarkDotNet, for example: bench/run.sh --short --filter '*Render*'
set -euo pipefail
cd "$(dirname "$0")/.."

job=(--job default)
case "${1:-}" in
  --quick) job=(--job dry); shift ;;
  --short) job=(--job short); shift ;;
esac

filter=(--filter '*')
for arg in "$@"; do
  if [[ "$arg" == "--filter" ]]; then filter=(); fi
done

artifacts="bench/results/artifacts"
dotnet run -c Release --project bench/PromptOps.Benchmarks -- "${filter[@]}" "${job[@]}" --exporters github --artifacts "$artifacts" "$@"

if [[ "${job[1]}" != "dry" ]]; then
  for report in "$artifacts"/results/*-report-github.md; do
    cp "$report" "bench/results/$(basename "$report" | sed 's/PromptOps.Benchmarks.//; s/-report-github//')"
  done
  echo "Reports copied to bench/results/."
fi
