#!/usr/bin/env bash
# Packs the libraries to a folder feed, restores them into a throwaway console app outside the repository, and checks
# what a new user gets: no restore or build warning, the prompts embedded and loaded, a readme and symbols in every
# package, and no pin of this repository's build among a package's dependencies. Run by .ci/run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "package check failed: $*" >&2; exit 1; }

bash "$repo/tools/pack.sh" "$work/feed" > "$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; fail "dotnet pack failed"; }

for package in PromptOps.Sdk PromptOps.Sdk.Sqlite PromptOps.Sdk.PostgreSql PromptOps.Sdk.AspNetCore PromptOps.Sdk.Testing PromptOps.Cli; do
  nupkg="$work/feed/$package.0.1.0.nupkg"
  [ -f "$nupkg" ] || fail "$package.0.1.0.nupkg was not produced"
  [ -f "$work/feed/$package.0.1.0.snupkg" ] || fail "$package has no symbol package (.snupkg)"
  files="$(unzip -l "$nupkg")"
  grep -q " README.md$" <<<"$files" || fail "$package has no package readme"
  nuspec="$(unzip -p "$nupkg" "$package.nuspec")"
  grep -q "<projectUrl>" <<<"$nuspec" || fail "$package has no project URL"
  grep -q '<repository type="git" url=' <<<"$nuspec" || fail "$package has no repository URL"
  grep -q "<tags>" <<<"$nuspec" || fail "$package has no tags"
  for pin in Google.Protobuf System.Numerics.Tensors; do
    ! grep -q "id=\"$pin\"" <<<"$nuspec" || fail "$package lists $pin, a pin of this repository's build, among its dependencies"
  done
done

app="$work/consumer"
mkdir -p "$app/prompts/greeting"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="promptops-local" value="$work/feed" />
  </packageSources>
</configuration>
XML
cat > "$app/Consumer.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="PromptOps.Sdk" Version="0.1.0" />
    <PackageReference Include="PromptOps.Sdk.Sqlite" Version="0.1.0" />
    <PackageReference Include="PromptOps.Sdk.PostgreSql" Version="0.1.0" />
    <PackageReference Include="PromptOps.Sdk.AspNetCore" Version="0.1.0" />
    <PackageReference Include="PromptOps.Sdk.Testing" Version="0.1.0" />
  </ItemGroup>
</Project>
XML
cat > "$app/prompts/greeting/1.0.0.yaml" <<'YAML'
id: greeting
version: 1.0.0
status: published
model: { id: gpt-4o-mini }
inputs:
  name: { type: string, required: true }
messages:
  - role: user
    content: Say hello to {{ name }}.
YAML
cat > "$app/Program.cs" <<'CS'
var library = PromptOps.PromptLibrary.LoadEmbedded(typeof(Program).Assembly);
var rendered = library.FindVersion("greeting", "1.0.0")!.Render(new { name = "Ada" });
Console.WriteLine(rendered.Messages[0].Text);

// The dashboard package maps into an ASP.NET Core app (built, not run).
var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
Microsoft.Extensions.DependencyInjection.PromptOpsServiceCollectionExtensions.AddPromptOps(builder.Services);
var app = builder.Build();
PromptOps.PromptOpsDashboardEndpointRouteBuilderExtensions.MapPromptOpsDashboard(app, "/promptops");
CS

# Outside the repository: its Directory.*.props must not help the consumer.
(cd "$app" && dotnet build -nologo -v q > "$work/build.log" 2>&1) || { cat "$work/build.log" >&2; fail "the consumer did not build"; }
if grep -E "warning [A-Z]+[0-9]+" "$work/build.log" >&2; then
  fail "restoring or building the consumer printed warnings (above)"
fi
output="$(cd "$app" && dotnet bin/Debug/net10.0/Consumer.dll)"
[ "$output" = "Say hello to Ada." ] || fail "the consumer printed '$output', not the rendered embedded prompt"
echo "package check: 6 packages with readme, symbols and URLs, no pinned dependency; a consumer restores and builds them without a warning and renders its embedded prompt"
