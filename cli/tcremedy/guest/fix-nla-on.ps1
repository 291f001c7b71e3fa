# tcremedy-guest-fix nla-on v1
# Network Level Authentication required: RDP-Tcp UserAuthentication = 1 (the policy's guest.nla).
# New connections use it at once; sessions already open are not touched.
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$key = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp'
$Fix = 'nla-on'
$old = (Get-ItemProperty -Path $key).UserAuthentication
$revertBody = "Set-ItemProperty -Path '$key' -Name UserAuthentication -Type DWord -Value $old"
{{SCHEDULE_REVERT}}
Set-ItemProperty -Path $key -Name UserAuthentication -Type DWord -Value 1
$value = (Get-ItemProperty -Path $key).UserAuthentication
[pscustomobject]@{ Fix = 'nla-on'; UserAuthentication = $value } | ConvertTo-Json -Compress
if ($value -ne 1) { exit 1 }
