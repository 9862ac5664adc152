--[[ continue_run: go on with the work a run left for later calls (lib/sweep): a retry in
  progress, a cancellation, skips or releases too big for one call. What a caller that started
  such work (`qctl retry`, `qctl cancel`) calls until none is left; the coordinator does the same
  for every run in <prefix>:sweeping (`sweep_runs`), so the work ends even if the caller stops.
  KEYS: none declared; it derives its keys from the prefix because the run's tasks, dependents,
  queues and limits come from the hashes it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] run id  ARGV[5] budget: tasks to visit in this call (default 500)
  Not fenced: any client may call it; the work is idempotent.
  Returns: {1 if work is left for another call else 0, run state ("missing" for an unknown run),
  `retried` (tasks reset by the run's latest retry, "" before that retry finished resetting),
  `retriedEvent` (id of that retry's `run_retried` stream entry, or "")}. ]]
--@include common
--@include limits
--@include finish
--@include cancel
--@include retry
--@include sweep

local run = ARGV[4]
BUDGET.left = tonumber(ARGV[5]) or BUDGET.left
local done = true
if redis.call('ZSCORE', P .. ':sweeping', run) then done = run_work(run) end
settle_all()
note_retried(flush())
local r = redis.call('HMGET', run_key(run), 'state', 'retried', 'retriedEvent')
return { done and 0 or 1, r[1] or 'missing', r[2] or '', r[3] or '' }
