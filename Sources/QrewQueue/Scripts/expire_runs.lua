--[[ expire_runs: cancel runs that outlived their workflow `timeout`.
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] max runs per call  ARGV[6] retention of finished runs (ms)
  An overdue run that has not finished ends "canceled" (reason: the timeout); running tasks
  are told to stop. Finished runs just leave the deadlines set.
  Returns: array of the run ids canceled. ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel

check_fence(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', P .. ':deadlines', '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
local canceled = {}
for _, run in ipairs(due) do
  redis.call('ZREM', P .. ':deadlines', run)
  local rk = run_key(run)
  if redis.call('EXISTS', rk) == 1 and not redis.call('HGET', rk, 'finishedAt') then
    local limit = redis.call('HGET', rk, 'timeoutMs') or '?'
    cancel_run_tasks(run, 'run timeout: not finished within ' .. limit .. ' ms', ARGV[6], 'canceled')
    canceled[#canceled + 1] = run
  end
end
flush()
return canceled
