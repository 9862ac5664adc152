--[[ finish: settle tasks that will never run, release dependents, and close a run whose last
  task settled. Needs lib/common. A script that calls `settle_later` must call `settle_all`
  before `flush`. Walking what is downstream of a result is bounded by the call's budget
  (lib/common BUDGET); the rest waits in the run's walk list (`defer_items`). ]]

-- Work a call left for later, per run: items of the run's walk list <run>:walk, each
-- "<kind><pos>:<id>": `s` skips what is downstream of task `id`, `r` counts `id` off as a met
-- dependency of its dependents, both from byte `pos` of its `dependents` text (lib/common
-- json_ids). A run with work left is in <prefix>:sweeping, where `sweep_runs` (the coordinator's
-- housekeeping loop) or `cancel_run` / `continue_run` (any caller) continue it.
local function defer_items(run, items)
  if #items == 0 then return end
  call_chunked({ 'RPUSH', run_key(run) .. ':walk' }, items)
  redis.call('ZADD', P .. ':sweeping', 'NX', NOW, run)
end

-- Refs this call listed in <run>:early, so that `store_slice` (lib/store) applies what reached a
-- task stored later in the same call.
local early_in_call = {}

-- Dependents this call released that the calling worker may lease in the same call without
-- their being queued first (`hold_released`): nil unless `complete` asked for successors. Holds
-- `queues` (the worker's queue names as keys) and `by_queue`: per queue, the held tasks best
-- first, from index `next` on, each {ref, score (integer text), rank (the score as a number),
-- attempt, sig}. lib/claim_ready leases them best score first among the queue's
-- ready tasks and `queue_held` queues the rest, so the order is the one queueing them would
-- give; a task taken skips the `ready` write to its hash, the ready queue's `ZADD` and pop, and
-- the claim's `HMGET`.
local held_releases = nil

-- Holds the released `plain` task `dref` (`d`: its HMGET in `count_off`) for the worker's lease;
-- it counts as queued on its queue (`note_queued`) like a pushed task, so `flush` leaves a wake-up
-- token for it unless the lease takes it.
local function hold_released(dref, d)
  local score = ready_score(d[2], next_ready_order(nil))
  local held = held_releases.by_queue[d[3]]
  if not held then
    held = { next = 1 }
    held_releases.by_queue[d[3]] = held
  end
  -- kept best first: a task released later ranks below any of equal priority, so this is
  -- usually the end
  local rank = tonumber(score)
  local i = #held
  while i >= 1 and held[i].rank < rank do
    held[i + 1] = held[i]
    i = i - 1
  end
  held[i + 1] = { ref = dref, score = score, rank = rank, attempt = d[5], sig = d[6] }
  note_queued(d[3], 1)
end

-- Queues what the lease left of the held tasks (`held_releases`), as `count_off` would have when
-- it released them, and stops holding. A task of a run whose cancellation began after its
-- release (a failFast failure later in the call) stays `waiting`: the cancellation ends it, and
-- may have already.
local function queue_held()
  if not held_releases then return end
  local canceling = {}
  for queue, held in pairs(held_releases.by_queue) do
    local entries = {}
    for i = held.next, #held do
      local h = held[i]
      local run = split_ref(h.ref)
      if canceling[run] == nil then canceling[run] = redis.call('HEXISTS', run_key(run), 'cancelReason') == 1 end
      if canceling[run] then
        if (queued_per_queue[queue] or 0) > 0 then note_queued(queue, -1) end
      else
        redis.call('HSET', task_key(h.ref), 'state', 'ready', 'queuedAt', NOW_S)
        entries[#entries + 1] = h.score
        entries[#entries + 1] = h.ref
      end
    end
    if #entries > 0 then call_chunked({ 'ZADD', ready_key(queue) }, entries, 2) end
  end
  held_releases = nil
end

-- Counts one finished dependency off task `dependent` of `run` and queues it when none is left
-- (or holds it for the worker's lease, `hold_released`). A dependent not stored yet goes negative
-- and is listed in <run>:early (lib/store adds its own count when it is stored). A task with
-- `if:` (its `condition` field) is counted off by a dependency of any final state, skipped or
-- failed included (`skip_walk`), and evaluates its condition when it is claimed
-- (docs/protocol.md, *Conditions*).
local function count_off(run, dependent)
  local dref = run .. '/' .. dependent
  local dk = task_key(dref)
  local left = redis.call('HINCRBY', dk, 'deps', '-1')
  if left == 0 then
    local holding = held_releases
    local d = holding and redis.call('HMGET', dk, 'state', 'priority', 'queue', 'plain', 'attempt', 'sig')
      or redis.call('HMGET', dk, 'state', 'priority', 'queue', 'plain')
    if d[1] == 'waiting' and holding and d[4] == '1' and holding.queues[d[3]] then
      hold_released(dref, d)
    elseif d[1] == 'waiting' then
      -- a `plain` task (lib/store) has no concurrencyKey or queueTimeoutMs to look for
      local fair_key, queue_timeout_ms
      if d[4] ~= '1' then fair_key, queue_timeout_ms = unpack(redis.call('HMGET', dk, 'concurrencyKey', 'queueTimeoutMs')) end
      redis.call('HSET', dk, 'state', 'ready', 'queuedAt', NOW_S)
      push_ready(dref, d[2], d[3], fair_key, queue_timeout_ms)
    end
  elseif left < 0 then
    redis.call('SADD', run_key(run) .. ':early', dependent)
    early_in_call[dref] = true
  end
end

-- Marks every waiting task downstream of the tasks in `items` ({id, pos, dependents text or nil})
-- skipped (a task with `if:` is counted off instead, `count_off`, and stops the walk there), as
-- far as the budget (lib/common BUDGET) goes, and leaves the rest in the run's walk
-- list. Returns how many tasks it settled. A dependent not stored yet (a run stored in slices,
-- lib/store) is marked `skip` and listed in <run>:early instead: it is stored skipped, and skips
-- its own dependents then.
local function skip_walk(run, items)
  local settled = 0
  local k = 1
  while k <= #items and BUDGET.left > 0 do
    local item = items[k]
    local json = item[3] or redis.call('HGET', task_key(run .. '/' .. item[1]), 'dependents')
    local ids, nxt = json_ids(json, item[2], math.max(BUDGET.left, 16))
    BUDGET.left = BUDGET.left - #ids - 1
    for _, id in ipairs(ids) do
      local tk = task_key(run .. '/' .. id)
      local t = redis.call('HMGET', tk, 'state', 'dependents', 'condition')
      if not t[1] then
        -- counted off as well, for a task with `if:` (lib/store keeps the count, not the skip)
        redis.call('HSET', tk, 'skip', '1')
        count_off(run, id)
      elseif t[1] == 'waiting' and t[3] then
        count_off(run, id)
      elseif t[1] == 'waiting' then
        redis.call('HSET', tk, 'state', 'skipped', 'finishedAt', NOW_S, 'applied', '1',
          'error', 'skipped: a dependency failed')
        emit_shared(run, finished_without_attempt('skipped'), id)
        settled = settled + 1
        if t[2] and t[2] ~= '[]' then items[#items + 1] = { id, 2, t[2] } end
      end
    end
    if nxt then
      item[2], item[3] = nxt, json
    else
      k = k + 1
    end
  end
  local rest = {}
  for j = k, #items do rest[#rest + 1] = 's' .. items[j][2] .. ':' .. items[j][1] end
  defer_items(run, rest)
  return settled
end

-- Marks every waiting task downstream of the dependents (JSON array text) of a task that failed
-- for good skipped (`skip_walk`); returns how many it settled now.
local function skip_dependents(run, id, dependents_json)
  if not dependents_json or dependents_json == '[]' then return 0 end
  return skip_walk(run, { { id, 2, dependents_json } })
end

-- Counts the finished task `id` off each of its dependents (JSON array text `json`, from byte
-- `pos`) and queues those left with nothing to wait for (`count_off`), as far as the budget goes
-- (at least 16 a call, so a result's usual few dependents are never put off); the rest goes to
-- the walk list.
local function release_dependents(run, id, json, pos)
  local ids, nxt = json_ids(json, pos, math.max(BUDGET.left, 16))
  BUDGET.left = BUDGET.left - #ids
  for _, dependent in ipairs(ids) do count_off(run, dependent) end
  if nxt then defer_items(run, { 'r' .. nxt .. ':' .. id }) end
end

-- Continues the run's walk list (`defer_items`) as far as the budget goes; with `canceling`,
-- releases are dropped (the cancel sweep ends those dependents anyway) and skips still done, so
-- a failFast run's downstream tasks end `skipped` as they would have in one call. Returns how
-- many tasks it settled and whether the list is empty now.
local function continue_walk(run, canceling)
  local key = run_key(run) .. ':walk'
  local settled = 0
  while BUDGET.left > 0 do
    local popped = redis.call('LPOP', key, 100)
    if not popped then return settled, true end
    local skips = {}
    for i, item in ipairs(popped) do
      if BUDGET.left <= 0 then
        local rest = {}
        for j = i, #popped do rest[#rest + 1] = popped[j] end
        call_chunked({ 'LPUSH', key }, rest)
        break
      end
      local colon = string.find(item, ':', 2, true)
      local kind, pos, id = string.sub(item, 1, 1), tonumber(string.sub(item, 2, colon - 1)), string.sub(item, colon + 1)
      if kind == 's' then
        skips[#skips + 1] = { id, pos }
      elseif canceling then
        BUDGET.left = BUDGET.left - 1
      else
        release_dependents(run, id, redis.call('HGET', task_key(run .. '/' .. id), 'dependents'), pos)
      end
    end
    settled = settled + skip_walk(run, skips)
  end
  return settled, redis.call('EXISTS', key) == 0
end

-- Gives a finished run's hash `ttl` ms (integer text) to live, and lists the run in
-- <prefix>:expiring so its other keys (task keys, task list, stream, specs, limits) get the same
-- from `expire_tasks`, off the path of the result that ended the run. (Its outcome stream,
-- lib/common, lives a minute.)
local function expire_finished_run(run, ttl)
  redis.call('PEXPIRE', run_key(run), ttl)
  redis.call('ZADD', P .. ':expiring', NOW, run)
end

-- Counts `settled` tasks off the run; the run ends when none is pending. Finished runs expire
-- after the retention time (ms) so Redis memory stays bounded: the run's own keys here, its
-- task keys and task list through <prefix>:expiring (`expire_tasks`, off the hot path).
local function settle(run, settled, failed)
  local rk = run_key(run)
  if failed then redis.call('HSET', rk, 'failedTasks', '1') end
  local pending = redis.call('HINCRBY', rk, 'pending', -settled)
  if pending > 0 then return end
  local r = redis.call('HMGET', rk, 'finishedAt', 'failedTasks', 'cancelReason', 'cancelState', 'state', 'retention',
    'parent', 'timeoutMs')
  if r[1] then return end
  local state = r[2] and 'failed' or 'succeeded'
  -- A canceled run ends in the state its cancellation chose (`failed` under failFast); a run
  -- canceled before `cancelState` existed kept that state in `state`.
  if r[3] then state = r[4] or r[5] end
  redis.call('HSET', rk, 'state', state, 'finishedAt', NOW_S)
  -- only a run with a workflow timeout is in the deadlines set; a retry gets a fresh one (retry_run)
  if r[8] then redis.call('ZREM', P .. ':deadlines', run) end
  -- The run's own retention (stored at submission: one source of truth); a run stored without
  -- one, by an older coordinator, gets the default week.
  local ttl = expiry_ms(r[6] or DEFAULT_RETENTION_MS)
  emit_run_finished(run, { 'type', 'run_finished', 'run', run, 'state', state, 'ts', NOW_S }, ttl or false)
  -- A child workflow's run: the leader ends its parent's step (`finish_children`, lib/child),
  -- woken at once through the `__workflow` queue's wake-up list.
  if r[7] then
    redis.call('RPUSH', P .. ':childrenDone', run)
    note_queued('__workflow', 1)
  end
  -- The leader learns step durations from it (QueueClient.learnDurations), off the hot paths.
  if redis.call('LPUSH', P .. ':learn', run) > 1000 then redis.call('LTRIM', P .. ':learn', 0, 999) end
  if ttl then expire_finished_run(run, ttl) end
end

-- Settlements this call has counted but not yet applied, per run: {count, failed}.
local settling, settling_runs = {}, {}

-- Like `settle`, but adds up a call's settlements per run and applies them in `settle_all`
-- (one HINCRBY per run instead of one per task).
local function settle_later(run, settled, failed)
  local s = settling[run]
  if not s then
    s = { 0, false }
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
    settle(run, s[1], s[2])
  end
end

-- Applies every settlement `settle_later` counted, in the order the runs were first counted.
local function settle_all()
  for _, run in ipairs(settling_runs) do settle_now(run) end
  settling_runs = {}
end
