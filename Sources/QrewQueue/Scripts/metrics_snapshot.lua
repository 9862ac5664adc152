--[[ metrics_snapshot: the queue-level gauges the leading coordinator exports on /metrics, read in
  one call every few seconds. Read-only.
  KEYS: none declared; it derives its keys from the prefix because the queues, runs and pools it
  counts come from the sets it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] most runs to count by state (the newest of <prefix>:runs)
  Queues are the members of <prefix>:queues (every queue a task was ever made ready on; `flush`
  in lib/common adds them), pools the members of <prefix>:pools (`set_pool_size` in lib/limits).
  Returns: { queues: flat name, ready count pairs; pools: flat name, size, in flight, parked
  quadruples; leased tasks; delayed tasks; dead letters; known workers; runs: flat state, count
  pairs } ]]
--@include common

local queues = {}
for _, queue in ipairs(redis.call('SMEMBERS', P .. ':queues')) do
  queues[#queues + 1] = queue
  queues[#queues + 1] = redis.call('ZCARD', ready_key(queue))
end

local pools = {}
for _, pool in ipairs(redis.call('SMEMBERS', P .. ':pools')) do
  local pk = P .. ':pool:' .. pool
  local p = redis.call('HMGET', pk, 'size', 'inflight')
  pools[#pools + 1] = pool
  pools[#pools + 1] = tonumber(p[1]) or 0
  pools[#pools + 1] = tonumber(p[2]) or 0
  pools[#pools + 1] = redis.call('ZCARD', pk .. ':parked')
end

local by_state = {}
for _, run in ipairs(redis.call('ZREVRANGE', P .. ':runs', 0, tonumber(ARGV[4]) - 1)) do
  local state = redis.call('HGET', run_key(run), 'state')
  if state then by_state[state] = (by_state[state] or 0) + 1 end
end
local runs = {}
for state, n in pairs(by_state) do
  runs[#runs + 1] = state
  runs[#runs + 1] = n
end

return {
  queues, pools,
  redis.call('ZCARD', P .. ':leases'),
  redis.call('ZCARD', P .. ':delayed'),
  redis.call('LLEN', P .. ':dlq'),
  redis.call('ZCARD', P .. ':workers'),
  runs,
}
