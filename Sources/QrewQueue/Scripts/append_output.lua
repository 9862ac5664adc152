--[[ append_output: add batches of running tasks' output lines to their runs' progress streams,
  for any number of tasks in one call.
  KEYS: none declared; it derives its keys from the prefix because the run of each task and its live
  channel come from the task refs and hashes it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4..] groups of 4: task ref, lease token, stream name (stdout | stderr), the lines
    (newline-separated)
  Output of a task whose lease was lost is dropped, so a reclaimed task's two runs don't mix.
  Returns: array with one entry per group, in order: 1 if added, 0 if the token no longer holds
  the lease. ]]
--@include common

local replies = {}
for i = 4, #ARGV - 3, 4 do
  local ref = ARGV[i]
  local t = redis.call('HMGET', task_key(ref), 'state', 'token', 'id')
  if t[1] == 'running' and t[2] == ARGV[i + 1] then
    emit(split_ref(ref), { 'type', 'output', 'task', t[3], 'stream', ARGV[i + 2], 'lines', ARGV[i + 3], 'ts', NOW_S })
    replies[#replies + 1] = 1
  else
    replies[#replies + 1] = 0
  end
end
flush()
return replies
