--[[ create_run: create a run's hash, limits and first (or only) slice of tasks, for `submit_run`
  and `start_child` (a child workflow's run). Needs lib/common, lib/limits, lib/finish, lib/cancel
  and lib/store. The caller has checked that the run id is free. ]]

-- Creates run `run` from its document `doc` (run fields; `timeoutMs` puts it in the deadlines
-- set, `concurrencyGroup` / `cancelInProgress` as `submit_run` describes), its `limits` (limit ->
-- capacity) and its task count `count`, storing the tasks whose arguments start at ARGV[first];
-- emits `run_queued`. Returns the pool changes ("<pool name>:<previous size>").
local function create_run(run, doc, limits, count, first)
  local rk = run_key(run)
  local stored = (#ARGV - first + 1) / STORE_WIDTH
  local fields = { 'id', run, 'state', 'queued', 'createdAt', NOW_S, 'pending', count, 'total', count,
    'stored', stored }
  for k, v in pairs(doc) do
    fields[#fields + 1] = k
    fields[#fields + 1] = type(v) == 'table' and cjson.encode(v) or tostring(v)
  end
  call_chunked({ 'HSET', rk }, fields, 2)
  redis.call('ZADD', P .. ':runs', NOW, run)
  if tonumber(doc.timeoutMs) then redis.call('ZADD', P .. ':deadlines', NOW + tonumber(doc.timeoutMs), run) end

  local resized = {}
  for limit, capacity in pairs(limits) do
    if string.sub(limit, 1, 5) == 'pool:' then
      local previous = set_pool_size(limit, capacity)
      if previous and tonumber(previous) ~= tonumber(capacity) then
        resized[#resized + 1] = string.sub(limit, 6) .. ':' .. previous
      end
    else
      redis.call('HSET', rk .. ':capacity', limit, capacity)
      redis.call('HSET', rk .. ':inflight', limit, 0)
    end
  end

  if doc.concurrencyGroup then
    local gk = P .. ':group:' .. doc.concurrencyGroup
    local previous = redis.call('GET', gk)
    if previous and doc.cancelInProgress == 'true' then
      begin_cancel(previous, 'concurrency group ' .. doc.concurrencyGroup .. ': run ' .. run .. ' started (cancelInProgress)', 'canceled')
    end
    redis.call('SET', gk, run)
  end

  store_slice(run, first, nil, nil)
  emit(run, { 'type', 'run_queued', 'run', run, 'ts', NOW_S, 'total', tostring(count) })
  return resized
end
