# tcremedy-guest-fix cancel-revert v1
# Access was verified after the fixes: cancel every revert they scheduled (tasks tcremedy-revert-*).
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
$tasks = @(Get-ScheduledTask -TaskName 'tcremedy-revert-*' -ErrorAction SilentlyContinue)
foreach ($t in $tasks) {
  Unregister-ScheduledTask -TaskName $t.TaskName -Confirm:$false
  Remove-Item -Path (Join-Path (Join-Path $env:ProgramData 'tcremedy') "$($t.TaskName).ps1") -ErrorAction SilentlyContinue
}
[pscustomobject]@{ Fix = 'cancel-revert'; Cancelled = @($tasks | ForEach-Object { $_.TaskName }) } | ConvertTo-Json -Compress
