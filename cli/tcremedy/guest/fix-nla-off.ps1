# tcremedy-guest-fix nla-off v1
# Network Level Authentication not required: RDP-Tcp UserAuthentication = 0 (the policy's guest.nla).
# New connections use it at once; sessions already open are not touched.
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$key = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp'
$Fix = 'nla-off'
$old = (Get-ItemProperty -Path $key).UserAuthentication
$revertBody = "Set-ItemProperty -Path '$key' -Name UserAuthentication -Type DWord -Value $old"
{{SCHEDULE_REVERT}}
Set-ItemProperty -Path $key -Name UserAuthentication -Type DWord -Value 0
$value = (Get-ItemProperty -Path $key).UserAuthentication
[pscustomobject]@{ Fix = 'nla-off'; UserAuthentication = $value } | ConvertTo-Json -Compress
if ($value -ne 0) { exit 1 }
