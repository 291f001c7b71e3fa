# tcremedy-guest-fix align-rdp-port v1
# Make the RDP listener port equal the policy port in both places Tencent compares
# (WinStations\RDP-Tcp and Wds\rdpwd\Tds\tcp), then restart TermService to listen on it.
$Port = {{PORT}}
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$ts = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server'
$Fix = 'align-rdp-port'
$oldRdp = (Get-ItemProperty "$ts\WinStations\RDP-Tcp").PortNumber
$oldTds = (Get-ItemProperty "$ts\Wds\rdpwd\Tds\tcp").PortNumber
$revertBody = @"
Set-ItemProperty -Path '$ts\WinStations\RDP-Tcp' -Name PortNumber -Type DWord -Value $oldRdp
Set-ItemProperty -Path '$ts\Wds\rdpwd\Tds\tcp' -Name PortNumber -Type DWord -Value $oldTds
Restart-Service -Name TermService -Force
"@
{{SCHEDULE_REVERT}}
Set-ItemProperty -Path "$ts\WinStations\RDP-Tcp" -Name PortNumber -Type DWord -Value $Port
Set-ItemProperty -Path "$ts\Wds\rdpwd\Tds\tcp" -Name PortNumber -Type DWord -Value $Port
Restart-Service -Name TermService -Force
(Get-Service -Name TermService).WaitForStatus('Running', [TimeSpan]::FromSeconds(60))
$listening = [bool](Get-NetTCPConnection -State Listen -LocalPort $Port -ErrorAction SilentlyContinue)
[pscustomobject]@{ Fix = 'align-rdp-port'; Port = $Port; Listening = $listening } | ConvertTo-Json -Compress
