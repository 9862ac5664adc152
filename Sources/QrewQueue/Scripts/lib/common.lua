--[[ common: helpers shared by the scripts; the loader inlines this file where a script says
  `--@include common`. Every script shares its first three arguments:
    ARGV[1] namespace prefix  ARGV[2] clock offset (ms; 0 except in tests)  ARGV[3] progress stream cap
  One clock, Redis's: NOW is the server's TIME (ms since the epoch) plus the offset, taken once
  per call, so every timestamp, lease deadline and due time is on the same clock whatever the
  callers' hosts think the time is, and a task's queuedAt <= startedAt <= finishedAt holds. Tests
  move time by hand with the offset. (TIME is allowed before writes: Redis 7 replicates effects.)
  Keys are built from the prefix: Qrew targets one Redis server (not Cluster), so scripts derive
  task and run keys themselves (docs/protocol.md lists them); the few whose keys are fixed or
  known to the caller take them in KEYS instead (docs/protocol.md, Declared keys).
  A script that emits events or queues tasks must call `flush()` before it returns: progress
  events are written (one stream entry and one live message per run) and workers woken once
  per call, not once per event. ]]

local P = ARGV[1]
local NOW, NOW_MICROS
do
  local time = redis.call('TIME')
  NOW_MICROS = tonumber(time[2])
  NOW = tonumber(time[1]) * 1000 + math.floor(NOW_MICROS / 1000) + (tonumber(ARGV[2]) or 0)
end
-- NOW as stored: numbers passed to redis.call are formatted with printf ("%.17g"), so fields
-- get this integer text instead.
local NOW_S = string.format('%.0f', NOW)
local STREAM_MAXLEN = ARGV[3]

local function run_key(run) return P .. ':run:' .. run end
local function task_key(ref) return P .. ':task:' .. ref end
local function ready_key(queue) return P .. ':queue:' .. queue .. ':ready' end
local function wake_key(queue) return P .. ':queue:' .. queue .. ':wake' end

-- A task reference is "<run>/<task>"; run ids never contain '/', task ids may.
local function split_ref(ref)
  local slash = string.find(ref, '/', 1, true)
  return string.sub(ref, 1, slash - 1), string.sub(ref, slash + 1)
end

-- Lua's `unpack` fails past a few thousand values ("too many results to unpack"), so every
-- command whose argument count depends on the input goes through this: `redis.call` of the
-- command and leading arguments in `head` (e.g. {'ZADD', key}) followed by the items, in chunks
-- of at most 1000 items (a multiple of `width`, so score/member pairs stay together). Returns
-- the sum of the integer replies.
local function call_chunked(head, items, width)
  local total, n, lead = 0, #items, #head
  local step = 1000 - 1000 % (width or 1)
  for first = 1, n, step do
    local args = {}
    for i = 1, lead do args[i] = head[i] end
    for i = first, math.min(first + step - 1, n) do args[#args + 1] = items[i] end
    local reply = redis.call(unpack(args))
    if type(reply) == 'number' then total = total + reply end
  end
  return total
end

-- How much more sliced work (tasks canceled, skipped, released or reset, each about 5 µs of
-- Redis) this call may do before it leaves the rest for a later call (docs/protocol.md, *Long
-- operations in slices*): 500 keeps a call to a few ms. Scripts that take a budget argument
-- set `left`.
local BUDGET = { left = 500 }

-- Up to `n` task ids of a JSON array text of ids (a task's `dependents`) from byte `pos` (the
-- opening quote of an element; 2 for the first), without decoding the whole text: a step with
-- 50,000 dependents is walked a slice at a time. Returns the ids and the byte position of the
-- next element, or nil when none is left. Relies on the arrays being compact, as the
-- coordinator writes them (`jsonArrayText`, cjson): inside a JSON string every `"` is escaped,
-- so `","` only ever separates two elements.
local function json_ids(json, pos, n)
  if not json or #json <= 2 then return {}, nil end
  if pos == 2 and #json <= 65536 then
    local all = cjson.decode(json)
    if #all <= n then return all, nil end
  end
  local stop, count, last = pos, 0, nil
  while count < n do
    local sep = string.find(json, '","', stop, true)
    count = count + 1
    if not sep then
      last = nil
      break
    end
    last = sep
    stop = sep + 2
  end
  if count == n and last then
    return cjson.decode('[' .. string.sub(json, pos, last) .. ']'), last + 2
  end
  return cjson.decode('[' .. string.sub(json, pos, #json - 1) .. ']'), nil
end

local function split_csv(s)
  local out = {}
  if s == nil or s == false or s == '' then return out end
  for item in string.gmatch(s, '[^,]+') do out[#out + 1] = item end
  return out
end

-- The progress events this call emitted, per run (flat field lists, in order), and the runs in
-- the order they were first emitted to: `flush` writes them.
local run_events, event_runs = {}, {}
-- The `run_finished` event of each run that ended in this call (`emit_run_finished`), and the
-- expiry (ms) given to the run's keys when the caller set it.
local run_outcomes, outcome_run_ttls = {}, {}
-- How long a run's outcome stream outlives its last `run_finished` (ms), at most: never longer
-- than the run hash. It is there to wake the clients waiting at that moment; one that comes
-- later finds the end in the run hash (`finishedAt`, `state`), so a stream (4 KB at least) is
-- not kept for the run's retention.
local OUTCOME_TTL_MS = 60000

-- A new list of the run's events of this call, for its first event (callers look in
-- `run_events` first: most events are not a run's first).
local function new_events_of(run)
  local events = {}
  run_events[run] = events
  event_runs[#event_runs + 1] = run
  return events
end

-- Adds one progress event (`fields`: flat name, value list) to what `flush` writes to the run's
-- stream and live channel.
local function emit(run, fields)
  local events = run_events[run] or new_events_of(run)
  events[#events + 1] = fields
end

-- The columns of a group of `task_started` events (`emit_shared`): the task alone.
local TASK_COLUMN = { 'task' }

-- Adds one event that shares most of its fields with others of the call (a claim's
-- `task_started` events of one run, worker and attempt; a batch of results' `task_finished` of
-- one state and attempt). `shared` is a table the caller keeps for those events:
-- `{ fields = <flat name, value list they share>, columns = <names of the fields each has its
-- own value of> }`; `v1`..`v5` are this event's values of `columns`, in order, '' for a field it
-- does not have. Consecutive events of a run with the same `shared` are written as one group
-- (docs/protocol.md, *Progress events*): the shared fields once and each column as an array, not
-- a field list per event.
local function emit_shared(run, shared, v1, v2, v3, v4, v5)
  local events = run_events[run] or new_events_of(run)
  local group = events[#events]
  if group == nil or group.shared ~= shared then
    group = { shared = shared, n = 0, { }, { }, { }, { }, { } }
    events[#events + 1] = group
  end
  local n = group.n + 1
  group.n = n
  group[1][n] = v1
  if v2 then group[2][n], group[3][n], group[4][n], group[5][n] = v2, v3 or '', v4 or '', v5 or '' end
end

-- The `emit_shared` fields of `task_finished` events of tasks that end in `state` without an
-- attempt of theirs (`canceled`, `skipped`): one group per run for a cancellation's or a failed
-- dependency's many.
local no_attempt_groups = {}
local function finished_without_attempt(state)
  local shared = no_attempt_groups[state]
  if not shared then
    shared = { fields = { 'type', 'task_finished', 'state', state, 'ts', NOW_S }, columns = TASK_COLUMN }
    no_attempt_groups[state] = shared
  end
  return shared
end

-- Emits a run's `run_finished` event (`fields`), which `flush` also writes to the run's outcome
-- stream <run>:outcome: what a client waiting for the run's end alone (`qctl ... --wait`) blocks
-- on, instead of reading every event of the run. `run_ttl` is the expiry (ms, integer text) the
-- caller gives the run hash in this call, false for none, or nil when it leaves the hash's as it is
-- (then `flush` reads it).
local function emit_run_finished(run, fields, run_ttl)
  emit(run, fields)
  run_outcomes[run] = fields
  if run_ttl ~= nil then outcome_run_ttls[run] = run_ttl and tonumber(run_ttl) or -1 end
end

-- An `emit_shared` group as one event's field list: the shared fields and the event's own.
local function group_event(group, i)
  local fields, shared = {}, group.shared
  for f = 1, #shared.fields do fields[f] = shared.fields[f] end
  for c, name in ipairs(shared.columns) do
    local value = group[c][i]
    if value ~= '' then
      fields[#fields + 1] = name
      fields[#fields + 1] = value
    end
  end
  return fields
end

-- An `emit_shared` group as the batch JSON holds it: a group of one as that event's field list,
-- else {"fields": <shared field list>, "each": {<column>: [value per event], ...}} without
-- the columns no event has a value of.
local function group_json(group)
  if group.n == 1 then return group_event(group, 1) end
  local each = {}
  for c, name in ipairs(group.shared.columns) do
    local values = group[c]
    for i = 1, group.n do
      if values[i] ~= '' then
        each[name] = values
        break
      end
    end
  end
  return { fields = group.shared.fields, each = each }
end

-- Writes each run's events of this call as one stream entry (capped): the event itself when there
-- is one, else a `batch` entry whose `events` is a JSON array of the events' field lists and
-- groups (`group_json`); and,
-- when anybody listens, publishes them on the run's live channel as one message
-- {"id": <entry id>, "events": <the same array>}. A run that ended in the call also gets its
-- `run_finished` fields as the one entry of <run>:outcome, under the same entry id, so a
-- position in one stream is a position in the other. Returns run -> entry id.
local function write_events()
  local ids = {}
  for _, run in ipairs(event_runs) do
    local events, rk = run_events[run], run_key(run)
    local id, json
    if #events == 1 and events[1].shared and events[1].n == 1 then events[1] = group_event(events[1], 1) end
    if #events == 1 and not events[1].shared then
      id = redis.call('XADD', rk .. ':events', 'MAXLEN', '~', STREAM_MAXLEN, '*', unpack(events[1]))
    else
      for i = 1, #events do
        if events[i].shared then events[i] = group_json(events[i]) end
      end
      json = cjson.encode(events)
      id = redis.call('XADD', rk .. ':events', 'MAXLEN', '~', STREAM_MAXLEN, '*', 'type', 'batch', 'ts', NOW_S,
        'events', json)
    end
    ids[run] = id
    local outcome = run_outcomes[run]
    if outcome then
      -- A fresh stream: an explicit id is refused at or below the stream's last one (a run id
      -- used again after its keys expired, a clock stepped back), and only this end matters.
      redis.call('DEL', rk .. ':outcome')
      redis.call('XADD', rk .. ':outcome', id, unpack(outcome))
      -- a minute, or less when the run hash expires sooner (a short retention)
      local ttl = outcome_run_ttls[run] or redis.call('PTTL', rk)
      redis.call('PEXPIRE', rk .. ':outcome', (ttl > 0 and ttl < OUTCOME_TTL_MS) and ttl or OUTCOME_TTL_MS)
    end
    if redis.call('PUBSUB', 'NUMSUB', rk .. ':live')[2] > 0 then
      redis.call('PUBLISH', rk .. ':live', '{"id":"' .. id .. '","events":' .. (json or cjson.encode(events)) .. '}')
    end
  end
  run_events, event_runs, run_outcomes, outcome_run_ttls = {}, {}, {}, {}
  return ids
end

-- The retention of a run stored without its own `retention` field (an older coordinator's): a week.
local DEFAULT_RETENTION_MS = 604800000

-- A retention (ms) as PEXPIRE takes it: integer text from 1 ms to ten years (a bigger number
-- would be formatted as a float and refused), or nil for none.
local function expiry_ms(value)
  local ms = tonumber(value)
  if not ms or ms ~= ms or ms < 1 then return nil end
  return string.format('%.0f', math.min(math.floor(ms), 315360000000))
end

--@include schedule

-- Ready tasks queued by this call, per queue: `flush` leaves that many wake-up tokens.
local queued_per_queue = {}

-- Counts `n` tasks just queued on `queue`, for `flush` to wake that many idle workers.
local function note_queued(queue, n)
  queued_per_queue[queue] = (queued_per_queue[queue] or 0) + n
end

-- The queue of tasks that wait for something other than a worker (approval and wait steps;
-- the task's `await` field says what for: `approval`, `event` or `sleep`): a sorted set like any
-- ready queue, which no worker claims from (qrew-worker refuses queue names starting with '@');
-- `approve`, `signal` and `expire_queued` take tasks out of it.
local AWAITING_QUEUE = '@awaiting'

-- Counts one task just queued on `queue` (its hash already written): on a worker queue `flush`
-- wakes an idle worker for it; on the awaiting queue nobody is woken and the run's stream says
-- what the task waits for. A task waiting for an event joins the run's <run>:awaiting set (what
-- `signal` looks at); when the event was signaled before, it is due at once in
-- <prefix>:queuetimeouts, where `expire_queued` completes it with the signal's data.
local function note_ready(ref, queue)
  if queue ~= AWAITING_QUEUE then return note_queued(queue, 1) end
  local run, id = split_ref(ref)
  local t = redis.call('HMGET', task_key(ref), 'await', 'event', 'queueTimeoutMs')
  local fields = { 'type', 'task_waiting', 'task', id, 'for', t[1] or 'approval', 'ts', NOW_S }
  if t[1] == 'event' then
    fields[#fields + 1] = 'event'
    fields[#fields + 1] = t[2]
    redis.call('SADD', run_key(run) .. ':awaiting', id)
    if redis.call('HEXISTS', run_key(run) .. ':signals', t[2]) == 1 then
      redis.call('ZADD', P .. ':queuetimeouts', NOW, ref)
    end
  elseif t[1] == 'sleep' then
    fields[#fields + 1] = 'until'
    fields[#fields + 1] = string.format('%.0f', NOW + (tonumber(t[3]) or 0))
  end
  emit(run, fields)
end

-- Makes a task claimable (lib/schedule: score with aging and fair rotation between concurrency
-- keys; queue timeout deadline); `flush` wakes an idle worker for it. `fair_key` is the task's
-- `concurrencyKey` field and `queue_timeout_ms` its `queueTimeoutMs` field (nil or false when
-- it has none, as for most tasks).
local function push_ready(ref, priority, queue, fair_key, queue_timeout_ms)
  redis.call('ZADD', ready_key(queue), ready_score(priority, next_ready_order(fair_key)), ref)
  if queue_timeout_ms then watch_queue_timeout(ref, queue_timeout_ms) end
  note_ready(ref, queue)
end

-- Writes this call's progress events (`write_events`) and leaves one wake-up token (at most 64
-- wait) per task queued for idle workers of its queue; names the queue in <prefix>:queues (the
-- queues `metrics_snapshot` reports). Returns run -> stream entry id.
local function flush()
  save_ready_clock()
  local ids = write_events()
  for queue, n in pairs(queued_per_queue) do
    redis.call('SADD', P .. ':queues', queue)
    local tokens = {}
    for i = 1, math.min(n, 64) do tokens[i] = '1' end
    local key = wake_key(queue)
    if call_chunked({ 'LPUSH', key }, tokens) > 64 then redis.call('LTRIM', key, 0, 63) end
  end
  queued_per_queue = {}
  return ids
end

-- Pushes one entry onto the dead-letter list <prefix>:dlq (newest first, capped at 10000): a
-- task that ended failed, timed_out or lost for good, or a ready-queue member that is no task at all.
-- Entries are JSON {id, ref, run, task, reason, attempts, at}; ids come from <prefix>:dlq:seq.
local function dead_letter(ref, reason, attempts)
  local slash = string.find(ref, '/', 1, true)
  local run, task = '', ref
  if slash then run, task = string.sub(ref, 1, slash - 1), string.sub(ref, slash + 1) end
  local id = tostring(redis.call('INCR', P .. ':dlq:seq'))
  redis.call('LPUSH', P .. ':dlq', cjson.encode({ id = id, ref = ref, run = run, task = task,
    reason = reason or '', attempts = tonumber(attempts) or 0, at = NOW }))
  redis.call('LTRIM', P .. ':dlq', 0, 9999)
end
