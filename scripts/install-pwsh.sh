#!/usr/bin/env bash
# Installs PowerShell 7 as a .NET global tool, for the tests that run the emitted connect
# script in real PowerShell (__tests__/powershell). Idempotent: does nothing when the tool
# is already there. The .NET SDK is the only prerequisite; the package comes from NuGet.
#
#   scripts/install-pwsh.sh            # installs into ~/.dotnet/tools
#   PWSH_VERSION=7.6.9 scripts/install-pwsh.sh
set -euo pipefail

# 7.6.x runs on .NET 10; a later 7.7 may need a newer runtime than the one installed.
version="${PWSH_VERSION:-7.6.9}"
tools_dir="${HOME}/.dotnet/tools"
pwsh="${tools_dir}/pwsh"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-pwsh: the .NET SDK ('dotnet') is not on PATH; install it first (https://dot.net)." >&2
  exit 1
fi

if [ -x "${pwsh}" ]; then
  echo "install-pwsh: PowerShell is already installed at ${pwsh}"
else
  echo "install-pwsh: installing PowerShell ${version} as a .NET global tool"
  # --global puts the tool in ~/.dotnet/tools; it is not on PATH by default, so callers
  # use the absolute path (the tests look there too, see __tests__/helpers/pwsh.ts).
  dotnet tool install --global PowerShell --version "${version}"
fi

echo "install-pwsh: $("${pwsh}" -NoLogo -NoProfile -NonInteractive -Command '"PowerShell $($PSVersionTable.PSVersion) (PSHOME $PSHOME)"')"
echo "install-pwsh: pwsh path: ${pwsh}"
