# install.ps1 - installs the n3mon agent from an unpacked Windows release as a Windows service.
# Windows Server 2016 or later, Node.js (the major in release.json) installed, run as Administrator:
#
#   powershell -ExecutionPolicy Bypass -File .\install.ps1 [-Config C:\path\agent.yaml] [-NoStart]
#
#   C:\Program Files\n3mon\<version>\            this release (the previous one is kept)
#   C:\Program Files\n3mon\service\n3mon-agent.exe  WinSW (the service wrapper) and its
#   C:\Program Files\n3mon\service\n3mon-agent.xml  generated definition (service-files.mjs)
#   C:\ProgramData\n3mon\agent.yaml              the config - never overwritten
#   C:\ProgramData\n3mon\spool\                  the spool      C:\ProgramData\n3mon\logs\  the logs
#
# The service n3mon-agent runs as the virtual account NT SERVICE\n3mon-agent (no password, no
# logon, not an administrator; ping.exe works without admin rights), starts automatically and
# is restarted by the Service Control Manager on failure (10 s, 30 s, then every 60 s). WinSW
# rolls the agent's output into logs\n3mon-agent.out.log / .err.log (10 MB x 8) and writes
# start, stop and failures to the Application event log (source n3mon-agent).
# An upgrade is the same command with a newer release: config, spool and logs stay.
# This script was written for Windows but has not been run on it (docs/deploy.md says what was).
param(
  [string]$Config = '',
  [switch]$NoStart
)
$ErrorActionPreference = 'Stop'

$ServiceId = 'n3mon-agent'
$Account = 'NT SERVICE\n3mon-agent'
$InstallRoot = Join-Path $env:ProgramFiles 'n3mon'
$DataDir = Join-Path $env:ProgramData 'n3mon'
$ServiceDir = Join-Path $InstallRoot 'service'

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw 'install.ps1: run this from an elevated PowerShell (Run as Administrator).'
}

$Here = Split-Path -Parent $MyInvocation.MyCommand.Path
$Release = Get-Content -Raw (Join-Path $Here 'release.json') | ConvertFrom-Json
$Version = $Release.version

# Node.js: present, and with the ABI the SQLite binding in this release was built for.
$NodeCmd = Get-Command node.exe -ErrorAction SilentlyContinue
if (-not $NodeCmd) { throw "install.ps1: node.exe is not on PATH: install Node.js $($Release.node) (or the same major) first." }
$Node = $NodeCmd.Source
$Abi = (& $Node -p 'process.versions.modules').Trim()
if ($Abi -ne $Release.modules) {
  throw "install.ps1: this release was built for Node.js $($Release.node) (ABI $($Release.modules)); $Node has ABI $Abi. Install that Node.js major, or build the release with this one (npm run release)."
}

# An upgrade: stop the running service first (it keeps its spool; nothing unsent is lost).
$Existing = Get-Service -Name $ServiceId -ErrorAction SilentlyContinue
if ($Existing -and $Existing.Status -ne 'Stopped') {
  Stop-Service -Name $ServiceId
  $Existing.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
  Write-Output "install: stopped $ServiceId"
}

# The release, versioned; checked before the service points at it.
$AppDir = Join-Path $InstallRoot $Version
if (Test-Path $AppDir) { Remove-Item -Recurse -Force $AppDir }
New-Item -ItemType Directory -Force -Path $AppDir | Out-Null
Copy-Item -Path (Join-Path $Here '*') -Destination $AppDir -Recurse -Force
$Said = (& $Node (Join-Path $AppDir 'dist\cli.js') --version).Trim()
if ($Said -ne $Version) { throw "install.ps1: the copied release says '$Said', release.json says $Version." }
Write-Output "install: installed $AppDir"

# Data, spool, logs; WinSW and its generated definition.
foreach ($d in @($DataDir, (Join-Path $DataDir 'spool'), (Join-Path $DataDir 'logs'), $ServiceDir)) {
  New-Item -ItemType Directory -Force -Path $d | Out-Null
}
& $Node (Join-Path $AppDir 'deploy\windows\service-files.mjs') --node $Node --app $AppDir --data $DataDir --out $ServiceDir
if ($LASTEXITCODE -ne 0) { throw 'install.ps1: service-files.mjs failed.' }
Copy-Item -Force (Join-Path $AppDir 'deploy\windows\winsw.exe') (Join-Path $ServiceDir 'n3mon-agent.exe')
Copy-Item -Force (Join-Path $AppDir 'deploy\windows\winsw.exe.config') (Join-Path $ServiceDir 'n3mon-agent.exe.config')

# The config: never overwritten.
$ConfigFile = Join-Path $DataDir 'agent.yaml'
$FreshExample = $false
if (Test-Path $ConfigFile) {
  Write-Output "install: kept $ConfigFile"
} elseif ($Config -ne '') {
  Copy-Item $Config $ConfigFile
  Write-Output "install: installed $ConfigFile from $Config"
} else {
  Copy-Item (Join-Path $ServiceDir 'agent.example.yaml') $ConfigFile
  $FreshExample = $true
  Write-Output "install: installed the example $ConfigFile - edit it (collector url, token, targets) before starting"
}

# The service: registered once; the definition is read again at every start.
if (-not $Existing) {
  & (Join-Path $ServiceDir 'n3mon-agent.exe') install
  if ($LASTEXITCODE -ne 0) { throw "install.ps1: WinSW could not register $ServiceId (exit $LASTEXITCODE)." }
  Write-Output "install: registered the service $ServiceId"
}
& sc.exe config $ServiceId obj= $Account start= auto | Out-Null
if ($LASTEXITCODE -ne 0) { throw "install.ps1: sc.exe config $ServiceId obj= $Account failed (exit $LASTEXITCODE)." }
& sc.exe failure $ServiceId reset= 3600 actions= restart/10000/restart/30000/restart/60000 | Out-Null
if ($LASTEXITCODE -ne 0) { throw "install.ps1: sc.exe failure $ServiceId failed (exit $LASTEXITCODE)." }
& sc.exe failureflag $ServiceId 1 | Out-Null

# Permissions: nobody but the service, SYSTEM and Administrators. The service may write the data
# directory (spool, logs, and agent.token: n3mon enrol puts the token there and the agent renews
# it before it expires); it may only read the config.
& icacls $DataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' "${Account}:(OI)(CI)M" | Out-Null
& icacls $ConfigFile /inheritance:r /grant:r 'SYSTEM:F' 'Administrators:F' "${Account}:R" | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'install.ps1: icacls failed.' }

# Check the config with this release before starting.
& $Node (Join-Path $AppDir 'dist\cli.js') check-config $ConfigFile
$ConfigOk = ($LASTEXITCODE -eq 0)
if ($NoStart -or $FreshExample -or -not $ConfigOk) {
  Write-Output "install: not started. When $ConfigFile is ready: Start-Service $ServiceId"
} else {
  Start-Service -Name $ServiceId
  Write-Output "install: started $ServiceId ($Version)"
}

# Older versions: keep this one and the one before it.
Get-ChildItem -Directory $InstallRoot | Where-Object { $_.Name -ne 'service' -and $_.Name -ne $Version -and (Test-Path (Join-Path $_.FullName 'release.json')) } |
  Sort-Object LastWriteTime -Descending | Select-Object -Skip 1 | ForEach-Object {
    Remove-Item -Recurse -Force $_.FullName
    Write-Output "install: removed old version $($_.FullName)"
  }
Write-Output "install: done: n3mon $Version (logs: $(Join-Path $DataDir 'logs'), events: Application log, source $ServiceId)"
