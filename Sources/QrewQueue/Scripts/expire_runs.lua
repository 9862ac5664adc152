--[[ expire_runs: cancel runs that outlived their workflow `timeout`.
  KEYS: none declared; it derives its keys from the prefix because the runs come from P:expiring,
  which it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] max runs per call
  An overdue run that has not finished starts canceling (reason: the timeout; lib/cancel), as
  far as this call's budget goes; `sweep_runs` does the rest. Running tasks are told to stop.
  Finished runs just leave the deadlines set.
  Returns: array of the run ids whose cancellation began. ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel
--@include retry
--@include sweep

check_fence(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', P .. ':deadlines', '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
local canceled = {}
for _, run in ipairs(due) do
  redis.call('ZREM', P .. ':deadlines', run)
  local limit = redis.call('HGET', run_key(run), 'timeoutMs') or '?'
  if begin_cancel(run, 'run timeout: not finished within ' .. limit .. ' ms', 'canceled') then
    canceled[#canceled + 1] = run
    if BUDGET.left > 0 then run_work(run) end
  end
end
settle_all()
note_retried(flush())
return canceled
