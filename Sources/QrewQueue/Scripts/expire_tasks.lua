--[[ expire_tasks: give the task keys and other keys of finished runs the expiry of their run
  hash, off the hot path and a slice at a time. A run's last settlement (lib/finish) expires the
  run hash and adds the run to <prefix>:expiring instead of touching each of its keys in that
  call, which would hold back the run's end, and the reply to the worker whose result ended it,
  by about 2 µs per key.
  This script expires up to a budget of task keys (of at most 16 runs) per call, with the run
  hash's remaining time (at once if it is gone), resuming a big run where the last call stopped
  (<prefix>:expiring:done), and with its last slice the run's task list, progress stream, specs
  and limit counters (RUN_KEYS). A run retried meanwhile (no `finishedAt`) is live again and left
  alone; it comes back when it finishes again.
  KEYS: none declared; it derives its keys from the prefix because the runs and tasks come from the
  expiry sets it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] task keys to expire in this call (the budget)
  Returns: {runs whose tasks are all expired now, 1 if the budget ran out with work left else 0}. ]]
--@include common
--@include fence

check_fence(ARGV[4])
local expiring, done = P .. ':expiring', P .. ':expiring:done'
local budget = tonumber(ARGV[5])
local expired = 0
-- At most RUNS_PER_CALL runs a call, whatever their size: each costs a few calls of its own, so a
-- call over many one-task runs stays a fraction of a millisecond too.
local RUNS_PER_CALL = 16
-- The run's keys besides its hash and task keys, expired with its last slice.
local RUN_KEYS = { ':tasks', ':events', ':capacity', ':inflight', ':awaiting', ':signals', ':specs' }
local runs = redis.call('ZRANGE', expiring, 0, RUNS_PER_CALL - 1)
if #runs == 0 then return { 0, 0 } end
local resume_at = redis.call('HMGET', done, unpack(runs))
-- The runs this call is through with (expired, live again, or never finished), and those of them
-- that had a resume position.
local finished_runs, resumed = {}, {}

-- Drops the runs this call is through with from the expiry sets.
local function forget_finished()
  if #finished_runs > 0 then redis.call('ZREM', expiring, unpack(finished_runs)) end
  if #resumed > 0 then redis.call('HDEL', done, unpack(resumed)) end
end

for i, run in ipairs(runs) do
  if budget <= 0 then
    forget_finished()
    return { expired, 1 }
  end
  local rk = run_key(run)
  local ttl = redis.call('PTTL', rk)
  local finished = ttl == -2 or redis.call('HEXISTS', rk, 'finishedAt') == 1
  if finished and ttl ~= -1 then
    -- as text, made once: a number passed to redis.call is formatted with printf each time
    ttl = string.format('%d', math.max(ttl, 1))
    local from = tonumber(resume_at[i] or '0')
    local ids = redis.call('LRANGE', rk .. ':tasks', from, from + budget - 1)
    local tasks = task_key(run .. '/')
    for _, id in ipairs(ids) do redis.call('PEXPIRE', tasks .. id, ttl) end
    budget = budget - #ids
    if budget <= 0 and redis.call('LLEN', rk .. ':tasks') > from + #ids then
      redis.call('HSET', done, run, from + #ids)
      forget_finished()
      return { expired, 1 }
    end
    for _, suffix in ipairs(RUN_KEYS) do redis.call('PEXPIRE', rk .. suffix, ttl) end
    expired = expired + 1
  end
  finished_runs[#finished_runs + 1] = run
  if resume_at[i] then resumed[#resumed + 1] = run end
end
forget_finished()
return { expired, redis.call('ZCARD', expiring) > 0 and 1 or 0 }
