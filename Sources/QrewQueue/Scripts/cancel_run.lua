--[[ cancel_run: cancel a run: unfinished tasks end "canceled", running ones are told to stop.
  KEYS: none declared; it derives its keys from the prefix because the run's tasks, their queues and
  limits come from the run's task set it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] run id  ARGV[5] reason
  ARGV[6] budget: tasks to visit in this call (lib/common BUDGET; default 500)
  The first call marks the run `canceling` (lib/cancel): from then on no task of it starts and no
  result of it is recorded; the tasks are canceled a slice per call. The caller calls again while
  the reply says work is left (each call goes on where the last stopped, whoever made it); if it
  stops, the coordinator's housekeeping loop (`sweep_runs`) finishes the job. Calling it on a
  canceling run only goes on; on a finished run it changes nothing. A run being retried
  (`retrying`) is canceled too: its retry job ends.
  Not fenced: any client (qctl) may cancel; the script is idempotent.
  Returns: {tasks canceled by this call, run state after, 1 if work is left for another call
  else 0}, or {-1, "missing"} for an unknown run. ]]
--@include common
--@include limits
--@include finish
--@include cancel
--@include retry
--@include sweep

local run = ARGV[4]
BUDGET.left = tonumber(ARGV[6]) or BUDGET.left
local rk = run_key(run)
if redis.call('EXISTS', rk) == 0 then return { -1, 'missing' } end
begin_cancel(run, ARGV[5], 'canceled')
local done = true
if redis.call('ZSCORE', P .. ':sweeping', run) then done = run_work(run) end
settle_all()
note_retried(flush())
return { canceled_count, redis.call('HGET', rk, 'state'), done and 0 or 1 }
