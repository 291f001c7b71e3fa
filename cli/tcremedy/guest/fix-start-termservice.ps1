# tcremedy-guest-fix start-termservice v1
# Set Remote Desktop Services (TermService) to start automatically and (re)start it now: a stopped
# service is started, a running one is restarted (a stuck RDP-Tcp listener comes back with it).
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
Set-Service -Name TermService -StartupType Automatic
$service = Get-Service -Name TermService
$dependents = @($service.DependentServices | Where-Object { $_.Status -eq 'Running' } |
  ForEach-Object { $_.Name })
if ($service.Status -eq 'Stopped') {
  Start-Service -Name TermService
} else {
  Restart-Service -Name TermService -Force  # -Force: its dependent services stop with it
}
(Get-Service -Name TermService).WaitForStatus('Running', [TimeSpan]::FromSeconds(60))
foreach ($name in $dependents) { Start-Service -Name $name -ErrorAction SilentlyContinue }
$ts = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server'
$port = (Get-ItemProperty "$ts\WinStations\RDP-Tcp").PortNumber
$deny = (Get-ItemProperty $ts).fDenyTSConnections
$gpo = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services'
$policyDeny = (Get-ItemProperty -Path $gpo -ErrorAction SilentlyContinue).fDenyTSConnections
if ($null -ne $policyDeny) { $deny = $policyDeny }  # as the probe reads it: a GPO value wins
$enabled = $deny -eq 0
$listening = $false
for ($i = 0; $i -lt 30 -and -not $listening; $i++) {  # the listener comes up a few seconds after the service
  $listening = [bool](Get-NetTCPConnection -State Listen -LocalPort $port -ErrorAction SilentlyContinue)
  if (-not $listening -and $enabled) { Start-Sleep -Seconds 1 } else { break }
}
$svc = Get-CimInstance Win32_Service -Filter "Name='TermService'"
[pscustomobject]@{
  Fix = 'start-termservice'; State = "$($svc.State)"; StartMode = "$($svc.StartMode)"
  Port = $port; Listening = $listening
} | ConvertTo-Json -Compress
if ($svc.State -ne 'Running') { exit 1 }
if ($enabled -and -not $listening) { exit 1 }  # RDP is enabled, so a listener must be up by now
