--[[ submit_run: store a decomposed run and queue its dependency-free tasks, all or nothing.
  ARGV[1..3] prefix, now, stream cap (see lib/common)
  ARGV[4] leader fence ("<coordinator>:<token>"; must equal the leader key)
  ARGV[5] run id
  ARGV[6] run document: JSON object of run fields (name, failFast, ...; `timeoutMs` puts the run
          in the deadlines set, where the coordinator cancels it when it is overdue)
  ARGV[7] limits: JSON object limit -> capacity ("run", "pool:<name>", "step:<id>"); a pool's
          size is shared by every run of the namespace and set by each submission that declares
          it (the latest submission wins; lib/limits)
  ARGV[8..] the tasks, 11 arguments each: id, step, queue, priority, deps (count), dependents
          (JSON array of task ids), limits (comma-separated limit names), refs (JSON array of the
          task ids whose outputs the spec reads), spec (JSON text), maxAttempts, continueOnError
          (1 or 0). Plain arguments, not one JSON document: nothing to decode per task.
  Returns: {1, "created", <pool changes>} or {0, <state of the existing run>} when the run id is
  taken; <pool changes> is an array of "<pool name>:<previous size>" for each existing pool whose
  size this submission changed. ]]
--@include common
--@include limits
--@include fence

check_fence(ARGV[4])
local run = ARGV[5]
local rk = run_key(run)
local existing = redis.call('HGET', rk, 'state')
if existing then return { 0, existing } end

local doc = cjson.decode(ARGV[6])
local limits = cjson.decode(ARGV[7])
local FIRST, WIDTH = 8, 11
local count = (#ARGV - FIRST + 1) / WIDTH

local fields = { 'id', run, 'state', 'queued', 'createdAt', NOW_S, 'pending', count, 'total', count }
for k, v in pairs(doc) do
  fields[#fields + 1] = k
  fields[#fields + 1] = type(v) == 'table' and cjson.encode(v) or tostring(v)
end
redis.call('HSET', rk, unpack(fields))
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

-- Ready tasks are queued in bulk: one sequence range, one ZADD per 1000 and per queue, and
-- one wake-up per queue (at most 64 tokens) instead of one per task.
local ready_count = 0
for i = FIRST + 4, #ARGV, WIDTH do
  if ARGV[i] == '0' then ready_count = ready_count + 1 end
end
local seq = 0
if ready_count > 0 then seq = redis.call('INCRBY', P .. ':seq', ready_count) - ready_count end

-- Writes the task hash of the task whose arguments start at ARGV[i]; `...` adds fields.
local function store_task(i, ref, state, ...)
  redis.call('HSET', task_key(ref), 'run', run, 'id', ARGV[i], 'step', ARGV[i + 1], 'queue', ARGV[i + 2],
    'priority', ARGV[i + 3], 'state', state, 'attempt', '0', 'maxAttempts', ARGV[i + 9], 'deps', ARGV[i + 4],
    'dependents', ARGV[i + 5], 'limits', ARGV[i + 6], 'refs', ARGV[i + 7], 'spec', ARGV[i + 8],
    'continueOnError', ARGV[i + 10], ...)
end

local ids, ready = {}, {}
local function flush_ready(queue)
  local entries = ready[queue]
  if entries and #entries > 0 then redis.call('ZADD', ready_key(queue), unpack(entries)) end
  ready[queue] = {}
end
for i = FIRST, #ARGV, WIDTH do
  local id, queue, priority, deps = ARGV[i], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local ref = run .. '/' .. id
  ids[#ids + 1] = id
  if deps == '0' then
    seq = seq + 1
    local q = ready[queue] or {}
    q[#q + 1] = ready_score(priority, seq)
    q[#q + 1] = ref
    ready[queue] = q
    note_queued(queue, 1)
    if #q >= 2000 then flush_ready(queue) end
    store_task(i, ref, 'ready', 'queuedAt', NOW_S)
  else
    store_task(i, ref, 'waiting')
  end
  if #ids == 1000 then
    redis.call('RPUSH', rk .. ':tasks', unpack(ids))
    ids = {}
  end
end
if #ids > 0 then redis.call('RPUSH', rk .. ':tasks', unpack(ids)) end
for queue in pairs(ready) do flush_ready(queue) end

emit(run, { 'type', 'run_queued', 'run', run, 'ts', NOW_S, 'total', tostring(count) })
flush()
return { 1, 'created', resized }
