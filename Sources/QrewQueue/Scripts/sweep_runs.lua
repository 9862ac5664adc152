--[[ sweep_runs: the coordinator's share of long operations: go on with the work runs left for
  later calls (<prefix>:sweeping, oldest first; lib/sweep), whoever started it: a cancellation
  (`cancel_run`, failFast, a run timeout), a retry (`retry_run`), skips and releases too big for
  the call that made them. So a run whose canceling or retrying client died still ends canceled
  or retried. The housekeeping loop calls it again (with short pauses) while work is left.
  KEYS: none declared; it derives its keys from the prefix because the runs come from P:sweeping,
  which it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] budget: tasks to visit in this call
  Returns: {runs whose work this call finished, 1 if any run still has work left else 0}. ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel
--@include retry
--@include sweep

check_fence(ARGV[4])
BUDGET.left = tonumber(ARGV[5]) or BUDGET.left
local finished = 0
for _, run in ipairs(redis.call('ZRANGE', P .. ':sweeping', 0, 99)) do
  if BUDGET.left <= 0 then break end
  if run_work(run) then finished = finished + 1 end
end
settle_all()
note_retried(flush())
return { finished, redis.call('ZCARD', P .. ':sweeping') > 0 and 1 or 0 }
