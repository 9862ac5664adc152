--[[ append_output: add a batch of a running task's output lines to its run's progress stream.
  ARGV[1..3] prefix, now, stream cap (see lib/common)
  ARGV[4] task ref  ARGV[5] lease token  ARGV[6] stream name (stdout | stderr)
  ARGV[7] the lines, newline-separated
  Output of a task whose lease was lost is dropped, so a reclaimed task's two runs don't mix.
  Returns: the stream entry id, or false when the token no longer holds the lease. ]]
--@include common

local ref = ARGV[4]
local t = redis.call('HMGET', task_key(ref), 'state', 'token', 'id')
if t[1] ~= 'running' or t[2] ~= ARGV[5] then return false end
local run = split_ref(ref)
return emit(run, { 'type', 'output', 'task', t[3], 'stream', ARGV[6], 'lines', ARGV[7], 'ts', tostring(NOW) })
