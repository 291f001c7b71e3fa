# tcremedy: the lock-out guard block spliced into reversible fix scripts (tcremedy.guest.fixes); not run alone.
# -- lock-out guard: schedule this fix's own revert before changing anything --------------------
# A one-shot scheduled task (SYSTEM) runs $revertBody in $RevertMinutes minutes unless `tcremedy
# apply` cancels it (fix cancel-revert) after verifying that the admin still gets in.
$RevertMinutes = {{REVERT_MINUTES}}
$revertTask = "tcremedy-revert-$Fix"
$revertDir = Join-Path $env:ProgramData 'tcremedy'
New-Item -ItemType Directory -Force -Path $revertDir | Out-Null
$revertFile = Join-Path $revertDir "$revertTask.ps1"
Set-Content -Path $revertFile -Encoding UTF8 -Value ($revertBody + "`r`nUnregister-ScheduledTask -TaskName '$revertTask' -Confirm:`$false")
$action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument "-NoProfile -ExecutionPolicy Bypass -File `"$revertFile`""
$trigger = New-ScheduledTaskTrigger -Once -At (Get-Date).AddMinutes($RevertMinutes)
Register-ScheduledTask -TaskName $revertTask -Action $action -Trigger $trigger -User 'SYSTEM' -RunLevel Highest -Force | Out-Null
