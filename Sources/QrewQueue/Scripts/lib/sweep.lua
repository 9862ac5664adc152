--[[ sweep: go on with the work a run has left for later calls (it is in <prefix>:sweeping):
  its retry job (lib/retry), then, for a canceling run, its cancellation (lib/cancel: the skips
  of its walk list, then its task list), else its walk list (skips and releases, lib/finish).
  Needs lib/common, lib/limits, lib/finish, lib/cancel and lib/retry. Shared by `sweep_runs`
  (the coordinator's housekeeping loop), `continue_run` and `cancel_run` (any caller looping),
  `retry_run` and `expire_runs`. Each call does at most the budget (lib/common BUDGET). ]]

-- Continues `run`'s work as far as the budget goes; returns true when none is left (the run has
-- then left <prefix>:sweeping). A run that finished or expired meanwhile only gets its leftovers
-- deleted.
local function run_work(run)
  local rk = run_key(run)
  local r = redis.call('HMGET', rk, 'state', 'finishedAt', 'cancelReason')
  if not r[1] or r[2] then
    local jk, mk, fk, ik = retry_keys(run)
    redis.call('UNLINK', rk .. ':walk', jk, mk, fk, ik)
    if r[1] then redis.call('HDEL', rk, 'cancelCursor') end
    redis.call('ZREM', P .. ':sweeping', run)
    return true
  end
  if not retry_step(run) then return false end
  local done
  if cancel_reason(run) then
    done = cancel_work(run)
  else
    local settled
    settled, done = continue_walk(run, false)
    if settled > 0 then settle_later(run, settled, false) end
  end
  if done then redis.call('ZREM', P .. ':sweeping', run) end
  return done
end
