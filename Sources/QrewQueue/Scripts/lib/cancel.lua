--[[ cancel: end every unfinished task of a run, which ends in `run_state` ("canceled" when a
  user cancels, "failed" under failFast). Needs lib/common and lib/finish.
  Running tasks lose their lease token (their late result is refused) and are announced on the
  <prefix>:cancellations channel so the worker running them kills the process at once. ]]

local function cancel_run_tasks(run, reason, retention_ms, run_state)
  local rk = run_key(run)
  local state = redis.call('HGET', rk, 'state')
  if state == false or redis.call('HGET', rk, 'finishedAt') then return 0 end
  redis.call('HSET', rk, 'state', run_state, 'cancelReason', reason)
  local settled = 0
  for _, id in ipairs(redis.call('LRANGE', rk .. ':tasks', 0, -1)) do
    local ref = run .. '/' .. id
    local tk = task_key(ref)
    local t = redis.call('HMGET', tk, 'state', 'queue', 'limits')
    if t[1] == 'waiting' or t[1] == 'ready' or t[1] == 'running' then
      if t[1] == 'ready' then
        redis.call('ZREM', ready_key(t[2]), ref)
        redis.call('ZREM', P .. ':delayed', ref)
        forget_ready(run, ref, t[3])
      elseif t[1] == 'running' then
        redis.call('ZREM', P .. ':leases', ref)
        release_limits(run, t[3])
        redis.call('PUBLISH', P .. ':cancellations', ref)
      end
      redis.call('HDEL', tk, 'token')
      redis.call('HSET', tk, 'state', 'canceled', 'finishedAt', NOW, 'applied', '1', 'error', reason)
      emit(run, { 'type', 'task_finished', 'task', id, 'state', 'canceled', 'ts', NOW_S })
      settled = settled + 1
    end
  end
  settle(run, settled, false, retention_ms)
  return settled
end
