#!/usr/bin/env bash
# Restores MSAL.NET (Microsoft.Identity.Client) from NuGet for the PowerShell tests: the test
# double of ExchangeOnlineManagement (__fixtures__/powershell/ExchangeOnlineManagement) signs in
# to the emulator with it, as the real module does. Idempotent: does nothing when the
# assemblies are already there. Output: node_modules/.cache/exo-cba-msal/lib (override with
# EXO_CBA_MSAL_DIR; the tests read the same variable).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="${root}/__fixtures__/powershell/msal/msal.csproj"
cache="${root}/node_modules/.cache/exo-cba-msal"
lib="${EXO_CBA_MSAL_DIR:-${cache}/lib}"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "restore-msal: the .NET SDK ('dotnet') is not on PATH; install it first (https://dot.net)." >&2
  exit 1
fi

if [ -f "${lib}/Microsoft.Identity.Client.dll" ]; then
  echo "restore-msal: MSAL.NET is already restored in ${lib}"
  exit 0
fi

echo "restore-msal: restoring Microsoft.Identity.Client from NuGet into ${lib}"
# --artifacts-path keeps obj/ and bin/ out of the source tree.
dotnet publish "${project}" -c Release -o "${lib}" --artifacts-path "${cache}/artifacts" --nologo -v quiet
echo "restore-msal: $(ls "${lib}"/Microsoft.Identity.Client.dll)"
