--[[ complete: record a worker's result for one leased task; refuse a stale lease token.
  ARGV[1..3] prefix, now, stream cap (see lib/common)
  ARGV[4] task ref  ARGV[5] lease token  ARGV[6] outcome: succeeded | failed | timed_out
  ARGV[7] exit code ("" if none)  ARGV[8] output (already capped by the worker)  ARGV[9] error
  ARGV[10] retry delay (ms) to use if this outcome is retried; "" if the policy does not retry it
  A failure with attempts left goes to the delayed set and keeps state "ready" with a retryAt.
  A final outcome is recorded and one event (ref) goes to the coordinator's events stream,
  which releases or skips the dependents.
  Returns: {1, "recorded" | "retrying"} or {0, "stale"} when the token no longer holds the lease. ]]
--@include common

local ref, token, outcome = ARGV[4], ARGV[5], ARGV[6]
local tk = task_key(ref)
local t = redis.call('HMGET', tk, 'state', 'token', 'attempt', 'maxAttempts', 'limits', 'id')
if t[1] ~= 'running' or t[2] ~= token then return { 0, 'stale' } end

local run = split_ref(ref)
redis.call('ZREM', P .. ':leases', ref)
redis.call('HDEL', tk, 'token', 'leaseDeadline')
release_limits(run, t[5])
redis.call('HSET', tk, 'finishedAt', NOW, 'exitCode', ARGV[7], 'output', ARGV[8], 'error', ARGV[9])

if outcome ~= 'succeeded' and ARGV[10] ~= '' and tonumber(t[3]) < tonumber(t[4]) then
  local due = NOW + tonumber(ARGV[10])
  redis.call('HSET', tk, 'state', 'ready', 'retryAt', due)
  redis.call('ZADD', P .. ':delayed', due, ref)
  emit(run, { 'type', 'task_retrying', 'task', t[6], 'outcome', outcome, 'attempt', t[3],
    'retryAt', tostring(due), 'error', ARGV[9], 'ts', tostring(NOW) })
  return { 1, 'retrying' }
end

redis.call('HSET', tk, 'state', outcome)
if outcome == 'succeeded' then redis.call('HSET', run_key(run) .. ':outputs', t[6], ARGV[8]) end
emit(run, { 'type', 'task_finished', 'task', t[6], 'state', outcome, 'attempt', t[3],
  'exitCode', ARGV[7], 'error', ARGV[9], 'ts', tostring(NOW) })
redis.call('XADD', P .. ':events', '*', 'ref', ref)
return { 1, 'recorded' }
