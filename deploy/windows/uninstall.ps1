# uninstall.ps1 - removes the n3mon agent service and its program files. Run as Administrator:
#
#   powershell -ExecutionPolicy Bypass -File "C:\Program Files\n3mon\<version>\deploy\windows\uninstall.ps1" [-RemoveData]
#
# C:\ProgramData\n3mon (config, spool, logs) stays unless -RemoveData: samples still spooled there
# are delivered by a later install. This script was written for Windows but has not been run on it.
param(
  [switch]$RemoveData
)
$ErrorActionPreference = 'Stop'

$ServiceId = 'n3mon-agent'
$InstallRoot = Join-Path $env:ProgramFiles 'n3mon'
$DataDir = Join-Path $env:ProgramData 'n3mon'
$ServiceDir = Join-Path $InstallRoot 'service'

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw 'uninstall.ps1: run this from an elevated PowerShell (Run as Administrator).'
}

$Existing = Get-Service -Name $ServiceId -ErrorAction SilentlyContinue
if ($Existing) {
  if ($Existing.Status -ne 'Stopped') {
    Stop-Service -Name $ServiceId
    $Existing.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
    Write-Output "uninstall: stopped $ServiceId"
  }
  & (Join-Path $ServiceDir 'n3mon-agent.exe') uninstall
  if ($LASTEXITCODE -ne 0) { throw "uninstall.ps1: WinSW could not remove $ServiceId (exit $LASTEXITCODE)." }
  Write-Output "uninstall: removed the service $ServiceId"
} else {
  Write-Output "uninstall: no service $ServiceId"
}

# Leave the program directory first: this script may be running from inside it.
Set-Location $env:SystemRoot
if (Test-Path $InstallRoot) {
  Remove-Item -Recurse -Force $InstallRoot
  Write-Output "uninstall: removed $InstallRoot"
}
if ($RemoveData) {
  if (Test-Path $DataDir) { Remove-Item -Recurse -Force $DataDir }
  Write-Output "uninstall: removed $DataDir (config, spool, logs)"
} else {
  Write-Output "uninstall: kept $DataDir (config, spool, logs); -RemoveData removes it"
}
