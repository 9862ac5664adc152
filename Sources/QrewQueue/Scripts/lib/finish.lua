--[[ finish: settle tasks that will never run and close a run whose last task settled.
  Needs lib/common. A script that calls `settle_later` must call `settle_all` before `flush`. ]]

-- Marks every waiting task downstream of the given dependents skipped; returns how many it settled.
-- A dependent not stored yet (a run stored in slices, lib/store) is marked `skip` and listed in
-- <run>:early instead: it is stored skipped, and skips its own dependents then.
local function skip_dependents(run, dependents_json)
  local settled = 0
  local frontier = cjson.decode(dependents_json or '[]')
  while #frontier > 0 do
    local next_frontier = {}
    for _, id in ipairs(frontier) do
      local tk = task_key(run .. '/' .. id)
      local state = redis.call('HGET', tk, 'state')
      if not state then
        redis.call('HSET', tk, 'skip', '1')
        redis.call('SADD', run_key(run) .. ':early', id)
      elseif state == 'waiting' then
        redis.call('HSET', tk, 'state', 'skipped', 'finishedAt', NOW_S, 'applied', '1',
          'error', 'skipped: a dependency failed')
        emit(run, { 'type', 'task_finished', 'task', id, 'state', 'skipped', 'ts', NOW_S })
        settled = settled + 1
        for _, d in ipairs(cjson.decode(redis.call('HGET', tk, 'dependents') or '[]')) do
          next_frontier[#next_frontier + 1] = d
        end
      end
    end
    frontier = next_frontier
  end
  return settled
end

-- Counts `settled` tasks off the run; the run ends when none is pending. Finished runs expire
-- after the retention time (ms) so Redis memory stays bounded: the run's own keys here, its
-- task keys and task list through <prefix>:expiring (`expire_tasks`, off the hot path).
local function settle(run, settled, failed, retention_ms)
  local rk = run_key(run)
  if failed then redis.call('HSET', rk, 'failedTasks', '1') end
  local pending = redis.call('HINCRBY', rk, 'pending', -settled)
  if pending > 0 or redis.call('HGET', rk, 'finishedAt') then return end
  local state = redis.call('HGET', rk, 'failedTasks') and 'failed' or 'succeeded'
  if redis.call('HGET', rk, 'cancelReason') then state = redis.call('HGET', rk, 'state') end
  redis.call('HSET', rk, 'state', state, 'finishedAt', NOW_S)
  redis.call('ZREM', P .. ':deadlines', run)  -- a retry of the run gets a fresh one (retry_run)
  emit(run, { 'type', 'run_finished', 'run', run, 'state', state, 'ts', NOW_S })
  local ttl = expiry_ms(retention_ms)
  if ttl then
    for _, suffix in ipairs({ '', ':events', ':capacity', ':inflight' }) do
      redis.call('PEXPIRE', rk .. suffix, ttl)
    end
    redis.call('ZADD', P .. ':expiring', NOW, run)
  end
end

-- Settlements this call has counted but not yet applied, per run: {count, failed, retention}.
local settling, settling_runs = {}, {}

-- Like `settle`, but adds up a call's settlements per run and applies them in `settle_all`
-- (one HINCRBY per run instead of one per task).
local function settle_later(run, settled, failed, retention_ms)
  local s = settling[run]
  if not s then
    s = { 0, false, retention_ms }
    settling[run] = s
    settling_runs[#settling_runs + 1] = run
  end
  s[1] = s[1] + settled
  s[2] = s[2] or failed
end

-- Applies what `settle_later` counted for `run`, if anything.
local function settle_now(run)
  local s = settling[run]
  if s then
    settling[run] = nil
    settle(run, s[1], s[2], s[3])
  end
end

-- Applies every settlement `settle_later` counted, in the order the runs were first counted.
local function settle_all()
  for _, run in ipairs(settling_runs) do settle_now(run) end
  settling_runs = {}
end
