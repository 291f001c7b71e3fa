# tcremedy-guest-fix allow-rdp-firewall v1
# Allow inbound TCP on the RDP port in Windows Firewall (all profiles), keeping the firewall on.
$Port = {{PORT}}
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$name = "tcremedy-RDP-In-TCP-$Port"
$Fix = 'allow-rdp-firewall'
$revertBody = if (Get-NetFirewallRule -Name $name -ErrorAction SilentlyContinue) { '' } else {
  "Remove-NetFirewallRule -Name '$name' -ErrorAction SilentlyContinue"
}
{{SCHEDULE_REVERT}}
if (-not (Get-NetFirewallRule -Name $name -ErrorAction SilentlyContinue)) {
  New-NetFirewallRule -Name $name -DisplayName "Remote Desktop (TCP $Port, tcremedy)" -Direction Inbound `
    -Protocol TCP -LocalPort $Port -Action Allow -Profile Any | Out-Null
}
Enable-NetFirewallRule -Name $name
if ($Port -eq 3389) { Enable-NetFirewallRule -Name 'RemoteDesktop-UserMode-In-TCP' -ErrorAction SilentlyContinue }
[pscustomobject]@{ Fix = 'allow-rdp-firewall'; Port = $Port; Rule = $name } | ConvertTo-Json -Compress
