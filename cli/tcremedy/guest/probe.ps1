# tcremedy-guest-probe v1
# Read-only inspection of Remote Desktop prerequisites on Windows Server 2012+ (PowerShell 5.1).
# Prints one line of compact ASCII JSON; the keys are parsed by tcremedy.guest.probe.
$ErrorActionPreference = 'SilentlyContinue'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$ts = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server'
$rdpPort = (Get-ItemProperty "$ts\WinStations\RDP-Tcp").PortNumber
$tdsPort = (Get-ItemProperty "$ts\Wds\rdpwd\Tds\tcp").PortNumber
$deny = (Get-ItemProperty $ts).fDenyTSConnections
$policyDeny = (Get-ItemProperty 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services').fDenyTSConnections
if ($null -ne $policyDeny) { $deny = $policyDeny }
$svc = Get-CimInstance Win32_Service -Filter "Name='TermService'"
$listening = [bool](Get-NetTCPConnection -State Listen -LocalPort $rdpPort)
$profiles = @(Get-NetFirewallProfile | Where-Object { $_.Enabled } | ForEach-Object { $_.Name })
$allows = $false
foreach ($rule in Get-NetFirewallRule -Direction Inbound -Enabled True -Action Allow) {
  $pf = $rule | Get-NetFirewallPortFilter
  if ($pf.Protocol -eq 'TCP' -and ($pf.LocalPort -contains "$rdpPort" -or $pf.LocalPort -contains 'Any')) { $allows = $true; break }
}
$nla = (Get-ItemProperty "$ts\WinStations\RDP-Tcp").UserAuthentication
$oracle = (Get-ItemProperty 'HKLM:\Software\Microsoft\Windows\CurrentVersion\Policies\System\CredSSP\Parameters').AllowEncryptionOracle
$patched = [bool](Get-HotFix | Where-Object { $_.InstalledOn -ge [datetime]'2018-05-08' })
# Third-party firewall / host-protection services, by service name (tcremedy.guest.probe.SECURITY_SERVICES).
$security = @(Get-Service -Name @(SECURITY_SERVICES) -ErrorAction SilentlyContinue |
  ForEach-Object { [pscustomobject]@{ Name = $_.Name; State = "$($_.Status)" } })
# The guide's Task Manager step: the top processes by CPU time and by working set.
$procs = Get-Process
$topCpu = @($procs | Sort-Object CPU -Descending | Select-Object -First 5 |
  ForEach-Object { [pscustomobject]@{ Name = $_.ProcessName; Id = $_.Id; CpuSeconds = [math]::Round($_.CPU, 1) } })
$topMem = @($procs | Sort-Object WorkingSet64 -Descending | Select-Object -First 5 |
  ForEach-Object { [pscustomobject]@{ Name = $_.ProcessName; Id = $_.Id; WorkingSetMB = [math]::Round($_.WorkingSet64 / 1MB) } })
[pscustomobject]@{
  RdpPort = $rdpPort; TdsPort = $tdsPort; fDenyTSConnections = $deny
  TermServiceState = "$($svc.State)"; TermServiceStartMode = "$($svc.StartMode)"
  Listening = $listening; FirewallProfilesEnabled = $profiles; FirewallAllowsRdpPort = $allows
  UserAuthentication = $nla; AllowEncryptionOracle = $oracle; CredSspPatched = $patched
  SecuritySoftware = $security; TopCpu = $topCpu; TopMemory = $topMem
} | ConvertTo-Json -Compress
