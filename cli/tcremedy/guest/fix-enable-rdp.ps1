# tcremedy-guest-fix enable-rdp v1
# Allow Remote Desktop connections (fDenyTSConnections = 0), also where a GPO value overrides it,
# and enable the built-in Remote Desktop firewall group (locale-independent group id).
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$ts = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server'
Set-ItemProperty -Path $ts -Name fDenyTSConnections -Type DWord -Value 0
$gpo = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services'
if ($null -ne (Get-ItemProperty -Path $gpo -ErrorAction SilentlyContinue).fDenyTSConnections) {
  Set-ItemProperty -Path $gpo -Name fDenyTSConnections -Type DWord -Value 0
}
Enable-NetFirewallRule -Group '@FirewallAPI.dll,-28752' -ErrorAction SilentlyContinue
$deny = (Get-ItemProperty -Path $ts).fDenyTSConnections
[pscustomobject]@{ Fix = 'enable-rdp'; fDenyTSConnections = $deny } | ConvertTo-Json -Compress
if ($deny -ne 0) { exit 1 }
