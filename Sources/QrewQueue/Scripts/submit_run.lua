--[[ submit_run: store a decomposed run and queue its dependency-free tasks, all or nothing.
  ARGV[1..3] prefix, now, stream cap (see lib/common)
  ARGV[4] leader fence ("<coordinator>:<token>"; must equal the leader key)
  ARGV[5] run id
  ARGV[6] run document: JSON object of run fields (name, failFast, ...; `timeoutMs` puts the run
          in the deadlines set, where the coordinator cancels it when it is overdue)
  ARGV[7] limits: JSON object limit -> capacity ("run", "pool:<name>", "step:<id>")
  ARGV[8] tasks: JSON array of {id, step, queue, priority, deps (count), dependents (task ids),
          limits (limit names), refs (task ids whose outputs the spec reads), spec (JSON text),
          maxAttempts, continueOnError}
  Returns: {1, "created"} or {0, <state of the existing run>} when the run id is taken. ]]
--@include common
--@include fence

check_fence(ARGV[4])
local run = ARGV[5]
local rk = run_key(run)
local existing = redis.call('HGET', rk, 'state')
if existing then return { 0, existing } end

local doc = cjson.decode(ARGV[6])
local limits = cjson.decode(ARGV[7])
local tasks = cjson.decode(ARGV[8])

local fields = { 'id', run, 'state', 'queued', 'createdAt', NOW, 'pending', #tasks, 'total', #tasks }
for k, v in pairs(doc) do
  fields[#fields + 1] = k
  fields[#fields + 1] = type(v) == 'table' and cjson.encode(v) or tostring(v)
end
redis.call('HSET', rk, unpack(fields))
redis.call('ZADD', P .. ':runs', NOW, run)
if tonumber(doc.timeoutMs) then redis.call('ZADD', P .. ':deadlines', NOW + tonumber(doc.timeoutMs), run) end

for limit, capacity in pairs(limits) do
  redis.call('HSET', rk .. ':capacity', limit, capacity)
  redis.call('HSET', rk .. ':inflight', limit, 0)
end

-- Ready tasks are queued in bulk: one sequence range, one ZADD per 1000 and per queue, and
-- one wake-up per queue (at most 64 tokens) instead of one per task.
local ready_count = 0
for _, t in ipairs(tasks) do
  if t.deps == 0 then ready_count = ready_count + 1 end
end
local seq = 0
if ready_count > 0 then seq = redis.call('INCRBY', P .. ':seq', ready_count) - ready_count end

local ids, ready, woken = {}, {}, {}
local function flush_ready(queue)
  local entries = ready[queue]
  if entries and #entries > 0 then redis.call('ZADD', ready_key(queue), unpack(entries)) end
  ready[queue] = {}
end
for i, t in ipairs(tasks) do
  local ref = run .. '/' .. t.id
  ids[#ids + 1] = t.id
  local state = t.deps == 0 and 'ready' or 'waiting'
  local fields = {
    'run', run, 'id', t.id, 'step', t.step, 'queue', t.queue, 'priority', t.priority,
    'state', state, 'attempt', 0, 'maxAttempts', t.maxAttempts, 'deps', t.deps,
    'dependents', #t.dependents == 0 and '[]' or cjson.encode(t.dependents),
    'limits', table.concat(t.limits, ','), 'refs', #t.refs == 0 and '[]' or cjson.encode(t.refs),
    'spec', t.spec, 'continueOnError', t.continueOnError and '1' or '0' }
  if state == 'ready' then
    fields[#fields + 1] = 'queuedAt'
    fields[#fields + 1] = NOW
    seq = seq + 1
    local q = ready[t.queue] or {}
    q[#q + 1] = ready_score(t.priority, seq)
    q[#q + 1] = ref
    ready[t.queue] = q
    woken[t.queue] = (woken[t.queue] or 0) + 1
    if #q >= 2000 then flush_ready(t.queue) end
  end
  redis.call('HSET', task_key(ref), unpack(fields))
  if #ids == 1000 or i == #tasks then
    redis.call('RPUSH', rk .. ':tasks', unpack(ids))
    ids = {}
  end
end
for queue, n in pairs(woken) do
  flush_ready(queue)
  wake(queue, n)
end

emit(run, { 'type', 'run_queued', 'run', run, 'ts', tostring(NOW), 'total', tostring(#tasks) })
return { 1, 'created' }
