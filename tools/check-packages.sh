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
# First a prompt library with mistakes: the build must fail and name each one at its line, in the MSBuild format.
cat > "$app/prompts/greeting/1.0.0.yaml" <<'YAML'
id: greeting
version: 1.0.0
status: published
model: { id: gpt-4o-mini }
colour: blue
inputs:
  name: { type: string, required: true }
  class: { type: string, default: guest, description: The caller's role }
messages:
  - role: user
    content: Say hello to {{ nmae }} ({{ class | shout }}).
YAML
cat > "$app/Program.cs" <<'CS'
Console.WriteLine("unreachable: the library has errors");
CS

# Outside the repository (its Directory.*.props must not help the consumer), with a package cache of its own so that a
# package of the same version restored earlier on this machine is not used instead of the one just packed.
export NUGET_PACKAGES="$work/packages"
(cd "$app" && dotnet restore -nologo -v q > "$work/restore.log" 2>&1) || { cat "$work/restore.log" >&2; fail "the consumer did not restore"; }
if (cd "$app" && dotnet build --no-restore -nologo -v q > "$work/broken.log" 2>&1); then
  cat "$work/broken.log" >&2; fail "a consumer whose prompt library has errors built"
fi
for expected in \
  "prompts/greeting/1.0.0.yaml(5,1): warning PO1002:" \
  "prompts/greeting/1.0.0.yaml(11,30): error PO1102: The variable 'nmae' is used but not declared" \
  "prompts/greeting/1.0.0.yaml(11,50): error PO1103: The filter 'shout' does not exist."; do
  grep -qF "$expected" "$work/broken.log" || { cat "$work/broken.log" >&2; fail "the build did not report '$expected'"; }
done

# Then the library fixed and locked: the consumer builds without a warning and renders through the typed accessor.
cat > "$app/prompts/greeting/1.0.0.yaml" <<'YAML'
id: greeting
version: 1.0.0
status: published
model: { id: gpt-4o-mini }
inputs:
  name: { type: string, required: true }
  class: { type: string, default: guest, description: The caller's role }
messages:
  - role: user
    content: Say hello to {{ name }} ({{ class }}).
YAML
dotnet run --project "$repo/src/PromptOps.Cli" -v q -- lock --dir "$app/prompts" > "$work/lock.log" 2>&1 || { cat "$work/lock.log" >&2; fail "promptops lock failed on the consumer's library"; }
cat > "$app/Program.cs" <<'CS'
using Microsoft.Extensions.DependencyInjection;
using PromptOps;

var library = PromptLibrary.LoadEmbedded(typeof(Program).Assembly);
Console.WriteLine(library.FindVersion("greeting", "1.0.0")!.Render(new { name = "Ada" }).Messages[0].Text);

// The typed accessor generated from prompts/greeting/1.0.0.yaml, rendering through the catalog.
var services = new ServiceCollection();
services.AddPromptOps().AddEmbeddedPrompts(typeof(Program).Assembly);
services.AddSingleton<Consumer.Prompts>();
using var provider = services.BuildServiceProvider();
Console.WriteLine(provider.GetRequiredService<Consumer.Prompts>().Greeting.Render(new(Name: "Grace", Class: "admin")).Messages[0].Text);

// The dashboard package maps into an ASP.NET Core app (built, not run).
var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
builder.Services.AddPromptOps();
var app = builder.Build();
app.MapPromptOpsDashboard("/promptops");
CS

(cd "$app" && dotnet build --no-restore -nologo -v q > "$work/build.log" 2>&1) || { cat "$work/build.log" >&2; fail "the consumer did not build"; }
if grep -E "warning [A-Z]+[0-9]+" "$work/build.log" >&2; then
  fail "restoring or building the consumer printed warnings (above)"
fi
output="$(cd "$app" && dotnet bin/Debug/net10.0/Consumer.dll)"
[ "$output" = "$(printf 'Say hello to Ada (guest).\nSay hello to Grace (admin).')" ] || fail "the consumer printed '$output', not the embedded prompt rendered directly and through its typed accessor"
echo "package check: 6 packages with readme, symbols and URLs, no pinned dependency; a consumer with a broken prompt library fails its build at the right lines, and fixed it builds without a warning and renders its embedded prompt directly and through the typed accessor"
