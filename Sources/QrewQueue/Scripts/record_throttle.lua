--[[ record_throttle: a worker changed its slot count (--concurrency auto); tell the runs whose
  tasks it is running, in one call.
  KEYS: none declared; it derives its keys from the prefix because the runs' event streams and live
  channels come from the run ids it is given and the run hashes it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] worker name  ARGV[5] slots before  ARGV[6] slots after  ARGV[7] reason
  ARGV[8..] run ids
  Each run that still exists gets a `worker_throttled` event (worker, from, to, reason) and its
  `throttles` count incremented; unknown (expired) runs are skipped.
  Returns: the number of runs recorded. ]]
--@include common

local recorded = 0
for i = 8, #ARGV do
  local run = ARGV[i]
  local rk = run_key(run)
  if redis.call('EXISTS', rk) == 1 then
    redis.call('HINCRBY', rk, 'throttles', 1)
    emit(run, { 'type', 'worker_throttled', 'worker', ARGV[4], 'from', ARGV[5], 'to', ARGV[6],
      'reason', ARGV[7], 'ts', NOW_S })
    recorded = recorded + 1
  end
end
flush()
return recorded
