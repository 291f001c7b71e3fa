# tcremedy-guest-fix start-termservice v1
# Set Remote Desktop Services (TermService) to start automatically and start it now.
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
Set-Service -Name TermService -StartupType Automatic
Start-Service -Name TermService
(Get-Service -Name TermService).WaitForStatus('Running', [TimeSpan]::FromSeconds(60))
$svc = Get-CimInstance Win32_Service -Filter "Name='TermService'"
[pscustomobject]@{ Fix = 'start-termservice'; State = "$($svc.State)"; StartMode = "$($svc.StartMode)" } |
  ConvertTo-Json -Compress
if ($svc.State -ne 'Running') { exit 1 }
