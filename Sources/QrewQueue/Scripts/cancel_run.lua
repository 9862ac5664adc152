--[[ cancel_run: cancel a run: unfinished tasks end "canceled", running ones are told to stop.
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] run id  ARGV[5] reason  ARGV[6] retention of finished runs (ms)
  Not fenced: any client (qctl) may cancel; the script is idempotent.
  Returns: {tasks canceled, run state after} or {-1, "missing"} for an unknown run. ]]
--@include common
--@include limits
--@include finish
--@include cancel

local run = ARGV[4]
if redis.call('EXISTS', run_key(run)) == 0 then return { -1, 'missing' } end
local n = cancel_run_tasks(run, ARGV[5], ARGV[6], 'canceled')
flush()
return { n, redis.call('HGET', run_key(run), 'state') }
