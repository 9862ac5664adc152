--[[ hand_back: a draining worker returns a leased task it will not finish, so another worker
  can run it at once instead of after the lease expires. The attempt does not count.
  KEYS: none declared; it derives its keys from the prefix because the task's queue, run and limits
  come from the task hash it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] task ref  ARGV[5] lease token
  Returns: 1 if handed back, 0 if the token no longer held the lease. ]]
--@include common
--@include limits

local ref = ARGV[4]
local tk = task_key(ref)
local t = redis.call('HMGET', tk, 'state', 'token', 'limits', 'priority', 'queue', 'id', 'concurrencyKey',
  'queueTimeoutMs')
if t[1] ~= 'running' or t[2] ~= ARGV[5] then return 0 end
local run = split_ref(ref)
redis.call('ZREM', P .. ':leases', ref)
redis.call('HDEL', tk, 'token', 'worker')
redis.call('HINCRBY', tk, 'attempt', -1)
release_limits(run, t[3])
redis.call('HSET', tk, 'state', 'ready', 'queuedAt', NOW)
push_ready(ref, t[4], t[5], t[7], t[8])
emit(run, { 'type', 'task_handed_back', 'task', t[6], 'ts', NOW_S })
flush()
return 1
