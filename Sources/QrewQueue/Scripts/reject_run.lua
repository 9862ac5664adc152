--[[ reject_run: record a submission that failed validation as a failed run, so the submitter
  sees why; nothing is queued. A run id already stored is left alone.
  KEYS: none declared. Its keys (the run, its events and outcome streams and live channel, P:runs, P:leader) are
  known to the caller, but it writes them through lib/common's emit/flush and lib/fence, which build
  the names from the prefix (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] run id  ARGV[6] workflow name (may be empty)  ARGV[7] error text
  ARGV[8] retention of finished runs (ms)
  Returns: 1 if recorded, 0 if the run id was taken. ]]
--@include common
--@include fence

check_fence(ARGV[4])
local run = ARGV[5]
local rk = run_key(run)
if redis.call('EXISTS', rk) == 1 then return 0 end
redis.call('HSET', rk, 'id', run, 'name', ARGV[6], 'state', 'failed', 'createdAt', NOW, 'finishedAt', NOW,
  'total', 0, 'pending', 0, 'error', ARGV[7], 'retention', ARGV[8])
redis.call('ZADD', P .. ':runs', NOW, run)
local ttl = expiry_ms(ARGV[8])
-- before flush, whose outcome stream lives no longer than the run hash
if ttl then redis.call('PEXPIRE', rk, ttl) end
emit_run_finished(run, { 'type', 'run_finished', 'run', run, 'state', 'failed', 'error', ARGV[7], 'ts', NOW_S })
flush() -- the events stream exists from here on, so it takes the expiry below
if ttl then redis.call('PEXPIRE', rk .. ':events', ttl) end
return 1
