--[[ retry_run: run a finished run's unsuccessful tasks again, in place, keeping the succeeded
  ones and their outputs (or, fresh, every task); or, given task ids, only those tasks and the
  unsuccessful tasks downstream of them (requeueing a dead letter).
  KEYS: none declared; it derives its keys from the prefix because the run's failed tasks, dead
  letters, dependents and queues come from the hashes and lists it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] run id  ARGV[5] "fresh" to run every task again, "" for only the unsuccessful ones
  ARGV[6] a dead-letter entry, byte for byte as stored in <prefix>:dlq, to remove in the same
    call ("" for none)
  ARGV[7] budget: tasks to visit in this call (lib/common BUDGET; default 500)
  ARGV[8..] task ids: reset only these (those not succeeded) and the unsuccessful tasks
    downstream of them; a downstream task that still depends on a task left unsuccessful (and
    not continueOnError) stays as it is, and keeps the run failed.
  A reset task waits for its dependencies that are reset too; those with none are queued. Its
  crash count is reset too, so a quarantined task requeued after a fix runs again. The run's
  expiry is removed: it is live again, with a fresh workflow timeout (P:deadlines) from this
  call. The work is linear in tasks and dependency edges and done in slices (lib/retry): this
  call checks the run, removes the entry, marks the run
  `retrying` and does the first slice; the caller calls `continue_run` while work is left (and
  the coordinator's `sweep_runs` finishes it if the caller stops). When the reset is done the
  run is `running` again, holds `retried` (tasks reset) and `retriedEvent` (the id of the stream
  entry holding its `run_retried` event), and the reset tasks are queued. When no task needed to
  run again the run gets back its finished state and `retried` is 0.
  Returns: {1, run state after, 1 if work is left else 0, retried or "", retriedEvent or ""}
  when the retry began; {0, state} when there is nothing to retry (every given task succeeded,
  or the run has no task; a given entry is still removed); {-1, "missing"} for an unknown run,
  {-2, state} when the run has not finished (or is being retried), or {-3, state} when the
  given dead-letter entry is no longer in the list (requeued or purged meanwhile; nothing
  changed); {-4, state} for a run with an expanded dynamic fan-out (`fanOuts`) given "fresh" or
  task ids: only its unsuccessful tasks are retried in place (a join is reopened and counts its
  children that run again, lib/retry). ]]
--@include common
--@include limits
--@include finish
--@include cancel
--@include retry
--@include sweep

local run, fresh, entry = ARGV[4], ARGV[5] == 'fresh', ARGV[6] or ''
BUDGET.left = tonumber(ARGV[7]) or BUDGET.left
local rk = run_key(run)
local state = redis.call('HGET', rk, 'state')
if not state then return { -1, 'missing' } end
if not redis.call('HGET', rk, 'finishedAt') then return { -2, state } end
-- A run with an expanded dynamic fan-out (lib/fanout) keeps its expansion: `fresh` would expand
-- it again and task ids would cut a join off its children; only mode `all` reopens joins.
if (fresh or #ARGV >= 8) and redis.call('HGET', rk, 'fanOuts') then return { -4, state } end
if entry ~= '' and redis.call('LREM', P .. ':dlq', 1, entry) == 0 then return { -3, state } end

local mode, given = fresh and 'fresh' or 'all', {}
if #ARGV >= 8 then
  mode = 'ids'
  local seen = {}
  for i = 8, #ARGV do
    local id = ARGV[i]
    local task_state = redis.call('HGET', task_key(run .. '/' .. id), 'state')
    if task_state and task_state ~= 'succeeded' and not seen[id] then
      seen[id] = true
      given[#given + 1] = id
    end
  end
  if #given == 0 then return { 0, state } end
elseif redis.call('LLEN', rk .. ':tasks') == 0 then
  return { 0, state }
end

-- Leftovers of the run's last life (work a finished run no longer needs) go first.
local jk, mk, fk, ik = retry_keys(run)
redis.call('UNLINK', jk, mk, fk, ik, rk .. ':walk')

local kept = { 'state', 'finishedAt', 'failedTasks', 'cancelReason', 'cancelState', 'error' }
local values = redis.call('HMGET', rk, unpack(kept))
local saved = {}
for i, name in ipairs(kept) do
  if values[i] then saved[name] = values[i] end
end
redis.call('HSET', jk, 'mode', mode, 'phase', mode == 'ids' and 'closure' or 'reset', 'cursor', 0, 'pos', 2,
  'count', 0, 'saved', cjson.encode(saved), 'ttl', redis.call('PTTL', rk))
if mode == 'ids' then
  local marks, frontier = {}, {}
  for _, id in ipairs(given) do
    marks[#marks + 1] = id
    marks[#marks + 1] = 'g'
    frontier[#frontier + 1] = '2:' .. id
  end
  call_chunked({ 'HSET', mk }, marks, 2)
  call_chunked({ 'RPUSH', fk }, frontier)
  local only = {}
  for i = 8, #ARGV do only[#only + 1] = ARGV[i] end
  redis.call('HSET', jk, 'only', table.concat(only, ','))
end

redis.call('HSET', rk, 'state', 'retrying')
redis.call('HDEL', rk, 'finishedAt', 'failedTasks', 'cancelReason', 'cancelState', 'error', 'cancelCursor',
  'retried', 'retriedEvent')
cancel_reasons[run] = false
for _, suffix in ipairs({ '', ':tasks', ':events', ':capacity', ':inflight', ':awaiting', ':signals', ':specs' }) do
  redis.call('PERSIST', rk .. suffix)
end
redis.call('ZREM', P .. ':expiring', run)
redis.call('HDEL', P .. ':expiring:done', run)
redis.call('ZADD', P .. ':sweeping', NOW, run)
-- A fresh workflow timeout from now (the finished run left the deadlines set).
local timeout = tonumber(redis.call('HGET', rk, 'timeoutMs'))
if timeout then redis.call('ZADD', P .. ':deadlines', NOW + timeout, run) end

local done = run_work(run)
settle_all()
note_retried(flush())
local r = redis.call('HMGET', rk, 'state', 'retried', 'retriedEvent')
return { 1, r[1], done and 0 or 1, r[2] or '', r[3] or '' }
