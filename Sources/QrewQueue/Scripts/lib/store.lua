--[[ store: write a slice of a run's tasks, for `submit_run` (the first or only slice) and
  `store_tasks` (the rest of a run stored in slices). Needs lib/common and lib/finish.
  Each task is 14 arguments: id, step, queue, priority, deps (count), dependents (JSON array of
  task ids), limits (comma-separated limit names), refs (JSON array of the task ids whose outputs
  the spec reads), spec (JSON text), maxAttempts, continueOnError (1 or 0), lostRetry (how a lost
  attempt is retried, `backoff,initialMs,capMs,jitter`, or "" when it is not; reap_leases), fields
  (a JSON object of further task-hash fields that only tasks using a feature carry, written as
  they are; "" for none, so most tasks decode nothing), and sig (the task's signature, field
  `sig`; "" when tasks are not signed: a plain argument, so signing decodes nothing either).
  Plain arguments, not one JSON document: nothing to decode per task.
  The spec argument (the spec JSON, or a difference from another task's, lib/specs) goes to the
  run's <run>:specs hash (task id -> stored spec), not the task hash: every other
  task field fits a compact listpack (values of at most 64 bytes), which a ~300-byte spec would
  turn into a hashtable at ~3 times the bytes (docs/protocol.md, *Task fields*).
  A task of a run stored in slices may be reached before it is stored: a dependency's success
  counts it off (`deps` goes negative, lib/apply) or a failure marks it `skip` and counts it off
  (lib/finish); both add its id to <run>:early, and storing it applies what happened: skipped, or
  for a task with `if:` (its `condition` field) the count only. A run canceled while it was
  being stored gets its remaining tasks stored canceled.
  A task hash's first field is `plain`: 1 for a task with none of `limits`, `refs`,
  `continueOnError` and further fields, 0 for any other. `claim`, `complete` and the release of a
  dependent (lib/finish) read only the fields every task has from a plain task, where each absent
  field they asked for would cost a scan of the whole hash (a listpack). `complete_from_cache` sets
  it to 0 when it adds `cache`; a task without it (stored by an older coordinator) is read in full. ]]

local STORE_WIDTH = 14

-- The further fields (ARGV[i + 12]) of the task whose arguments start at ARGV[i], decoded, or
-- nil when it has none.
local function extra_fields(i)
  if ARGV[i + 12] == '' then return nil end
  return cjson.decode(ARGV[i + 12])
end

-- Writes the task hash of the task whose arguments start at ARGV[i]; `...` adds fields. One
-- HSET per task, its signature (ARGV[i + 13]) and further fields (ARGV[i + 12]) included. (Its
-- run is its key's, so the hash does not name it.) Its first field is `plain` (see the header).
-- The optional task fields (docs/protocol.md, *Task fields*) are left out at the value an absent
-- one means, which every reader takes it as: `dependents` and `refs` at "[]", `limits` and
-- `lostRetry` at "", `continueOnError` at "0" (a shorter hash to scan for every HMGET and HSET on
-- it, and a smaller one).
local function write_task(i, tk, state, deps, ...)
  local dependents, limits, refs, continue_on_error, lost_retry, fields, sig =
    ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 10], ARGV[i + 11], ARGV[i + 12], ARGV[i + 13]
  local plain = limits == '' and refs == '[]' and continue_on_error == '0' and fields == ''
  local args = { 'HSET', tk, 'plain', plain and '1' or '0', 'id', ARGV[i], 'step', ARGV[i + 1], 'queue', ARGV[i + 2],
    'priority', ARGV[i + 3], 'state', state, 'attempt', '0', 'maxAttempts', ARGV[i + 9], 'deps', deps, ... }
  local n = #args
  if dependents ~= '[]' then args[n + 1], args[n + 2], n = 'dependents', dependents, n + 2 end
  if not plain then
    if limits ~= '' then args[n + 1], args[n + 2], n = 'limits', limits, n + 2 end
    if refs ~= '[]' then args[n + 1], args[n + 2], n = 'refs', refs, n + 2 end
    if continue_on_error ~= '0' then args[n + 1], args[n + 2], n = 'continueOnError', continue_on_error, n + 2 end
  end
  if lost_retry ~= '' then args[n + 1], args[n + 2], n = 'lostRetry', lost_retry, n + 2 end
  if sig ~= '' then args[n + 1], args[n + 2], n = 'sig', sig, n + 2 end
  local extra = extra_fields(i)
  if extra then
    for name, value in pairs(extra) do args[n + 1], args[n + 2], n = name, tostring(value), n + 2 end
  end
  redis.call(unpack(args))
end

-- Stores the tasks whose arguments run from ARGV[first] to the end, in order: appends their ids
-- to the run's task list, their specs to <run>:specs (one HSET per 1000), and queues the ready ones in bulk (one ZADD per 1000 and queue; their
-- order on the ready clock, lib/schedule, advances in Lua and is written once by `flush`). `early` is the set of ids in <run>:early (nil when nothing can be early),
-- `canceled` the run's cancel reason (nil unless it was canceled). Returns how many tasks it
-- stored already settled (skipped or canceled), for the caller to count off the run.
local function store_slice(run, first, early, canceled)
  local rk = run_key(run)
  local ids, specs, ready, settled = {}, {}, {}, 0
  local function flush_ready(queue)
    local entries = ready[queue]
    if entries and #entries > 0 then call_chunked({ 'ZADD', ready_key(queue) }, entries, 2) end
    ready[queue] = {}
  end
  for i = first, #ARGV, STORE_WIDTH do
    local id, queue, priority, deps = ARGV[i], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
    local ref = run .. '/' .. id
    local tk = task_key(ref)
    -- What reached the task before it was stored: dependencies counted off, or a failure.
    -- (or in this very call: a task of this slice stored skipped reached it, lib/finish)
    local skip, reached = false, (early and early[id]) or early_in_call[ref]
    if reached then
      local placeholder = redis.call('HMGET', tk, 'deps', 'skip')
      redis.call('HDEL', tk, 'skip')
      redis.call('SREM', rk .. ':early', id)
      skip = placeholder[2] == '1'
      deps = tostring(tonumber(deps) + (tonumber(placeholder[1]) or 0))
    end
    if canceled then
      write_task(i, tk, 'canceled', deps, 'finishedAt', NOW_S, 'applied', '1', 'error', canceled)
      emit_shared(run, finished_without_attempt('canceled'), id)
      settled = settled + 1
    elseif skip and not (extra_fields(i) or {}).condition then
      write_task(i, tk, 'skipped', deps, 'finishedAt', NOW_S, 'applied', '1',
        'error', 'skipped: a dependency failed')
      emit_shared(run, finished_without_attempt('skipped'), id)
      settled = settled + 1 + skip_dependents(run, id, ARGV[i + 5])
    elseif reached and deps == '0' then
      -- its last dependency finished before it was stored
      write_task(i, tk, 'ready', deps, 'queuedAt', NOW_S)
      local extra = extra_fields(i) or {}
      push_ready(ref, priority, queue, extra.concurrencyKey, extra.queueTimeoutMs)
    elseif ARGV[i + 4] == '0' then
      local extra = extra_fields(i)
      local fair_key = extra and extra.concurrencyKey
      if extra and extra.queueTimeoutMs then watch_queue_timeout(ref, extra.queueTimeoutMs) end
      local q = ready[queue] or {}
      q[#q + 1] = ready_score(priority, next_ready_order(fair_key and tostring(fair_key)))
      q[#q + 1] = ref
      ready[queue] = q
      if #q >= 2000 then flush_ready(queue) end
      write_task(i, tk, 'ready', deps, 'queuedAt', NOW_S)
      note_ready(ref, queue)
    else
      write_task(i, tk, 'waiting', deps)
    end
    ids[#ids + 1] = id
    specs[#specs + 1] = id
    specs[#specs + 1] = ARGV[i + 8]
  end
  if #ids > 0 then
    call_chunked({ 'RPUSH', rk .. ':tasks' }, ids)
    call_chunked({ 'HSET', rk .. ':specs' }, specs, 2)
  end
  for queue in pairs(ready) do flush_ready(queue) end
  return settled
end
