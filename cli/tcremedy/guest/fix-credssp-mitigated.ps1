# tcremedy-guest-fix credssp-mitigated v1
# CredSSP encryption oracle remediation = Mitigated (1): patched clients connect, and unpatched
# servers are no longer forced on clients (KB4093492). Takes effect without a reboot for new sessions.
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$key = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System\CredSSP\Parameters'
$Fix = 'credssp-mitigated'
$old = (Get-ItemProperty -Path $key -ErrorAction SilentlyContinue).AllowEncryptionOracle
$revertBody = if ($null -eq $old) { "Remove-ItemProperty -Path '$key' -Name AllowEncryptionOracle" } else {
  "Set-ItemProperty -Path '$key' -Name AllowEncryptionOracle -Type DWord -Value $old"
}
{{SCHEDULE_REVERT}}
if (-not (Test-Path $key)) { New-Item -Path $key -Force | Out-Null }
Set-ItemProperty -Path $key -Name AllowEncryptionOracle -Type DWord -Value 1
$value = (Get-ItemProperty -Path $key).AllowEncryptionOracle
[pscustomobject]@{ Fix = 'credssp-mitigated'; AllowEncryptionOracle = $value } | ConvertTo-Json -Compress
if ($value -ne 1) { exit 1 }
