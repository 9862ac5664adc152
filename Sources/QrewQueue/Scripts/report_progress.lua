--[[ report_progress: record running tasks' progress reports (lines of their QREW_PROGRESS file),
  for any number of tasks in one call.
  KEYS: none declared; it derives its keys from the prefix because the run's event stream and live
  channel come from the task ref and the task hash it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4..] groups of 4 per report: task ref, lease token, percent (0-100, "" for none),
    message ("" for none)
  Each report of a task that still holds its lease becomes a `task_progress` event (task,
  attempt, percent, message) and updates the task hash: `progress` (the latest percent),
  `progressMessage` (the latest message), `progressAt`. Reports of a task whose lease was lost
  are dropped, as its output is.
  Returns: array with one entry per report, in order: 1 if recorded, 0 if the token no longer
  holds the lease. ]]
--@include common

local replies = {}
for i = 4, #ARGV - 3, 4 do
  local ref, percent, message = ARGV[i], ARGV[i + 2], ARGV[i + 3]
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'token', 'id', 'attempt')
  if t[1] == 'running' and t[2] == ARGV[i + 1] then
    local event = { 'type', 'task_progress', 'task', t[3], 'attempt', t[4] }
    local fields = { 'progressAt', NOW_S }
    if percent ~= '' then
      event[#event + 1] = 'percent'
      event[#event + 1] = percent
      fields[#fields + 1] = 'progress'
      fields[#fields + 1] = percent
    end
    if message ~= '' then
      event[#event + 1] = 'message'
      event[#event + 1] = message
      fields[#fields + 1] = 'progressMessage'
      fields[#fields + 1] = message
    end
    event[#event + 1] = 'ts'
    event[#event + 1] = NOW_S
    redis.call('HSET', tk, unpack(fields))
    emit(split_ref(ref), event)
    replies[#replies + 1] = 1
  else
    replies[#replies + 1] = 0
  end
end
flush()
return replies
