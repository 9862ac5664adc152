--[[ heartbeat: renew every lease a worker holds in one round trip and report the ones it lost.
  KEYS: none declared; it derives its keys from the prefix because called with no KEYS by
  examples/workers/worker.py too; the run of each task comes from the refs it is given and the
  leases it checks (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] worker name  ARGV[5] lease length (ms)  ARGV[6] worker info (JSON: name, slots, queues, host, pid, running;
    with --concurrency auto also concurrency, pressure, lastThrottle, throttles)
  ARGV[7..] pairs: task ref, lease token, for every task the worker is running
  A lease is renewed only while the task is still running under the same token; a lease the
  reaper reclaimed or a run that was canceled is reported so the worker stops that process.
  Returns: array of refs the worker no longer holds. ]]
--@include common

local worker, lease = ARGV[4], tonumber(ARGV[5])
redis.call('ZADD', P .. ':workers', NOW, worker)
redis.call('HSET', P .. ':worker:' .. worker, 'info', ARGV[6], 'seenAt', NOW)
local lost = {}
for i = 7, #ARGV, 2 do
  local ref, token = ARGV[i], ARGV[i + 1]
  local t = redis.call('HMGET', task_key(ref), 'state', 'token')
  if t[1] == 'running' and t[2] == token then
    redis.call('ZADD', P .. ':leases', 'XX', NOW + lease, ref)
  else
    lost[#lost + 1] = ref
  end
end
return lost
