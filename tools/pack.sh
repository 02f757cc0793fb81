#!/usr/bin/env bash
# Packs the six PromptOps packages (and their .snupkg symbol packages) into one folder, a feed a consumer can restore
# from before the packages are on a public feed:
#   bash tools/pack.sh [folder]        # default: artifacts/packages
# then, in the consuming project's nuget.config:
#   <add key="promptops-local" value="/path/to/artifacts/packages" />
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-artifacts/packages}")"
mkdir -p "$out"
for project in PromptOps.Sdk PromptOps.Sdk.Sqlite PromptOps.Sdk.PostgreSql PromptOps.Sdk.AspNetCore PromptOps.Sdk.Testing PromptOps.Cli; do
  # ContinuousIntegrationBuild: deterministic source paths in the symbols (/_/src/...), as a release build has.
  dotnet pack "src/$project" -c Release -o "$out" -p:ContinuousIntegrationBuild=true -nologo -v q
done
echo "Packed into $out:"
ls -1 "$out"
