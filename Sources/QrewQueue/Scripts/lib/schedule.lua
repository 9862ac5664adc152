--[[ schedule: the ready order (aging priority, fair rotation between concurrency keys) and the
  queue timeout watch. Included by lib/common (uses its P, NOW; `flush` calls `save_ready_clock`).
  Ready score (docs/workflow-reference.md *Priority*, docs/protocol.md *Ready order*):
    score = priority · AGING_MS · 4096 − order
  where `order` is the task's place on the ready clock <prefix>:readyclock, in 1/4096 ms since
  SCHEDULE_EPOCH: max(now · 4096, last order + 1), so strictly increasing (FIFO among equal
  priorities, even for thousands of tasks queued in one millisecond). Since the order grows with
  the time a task was queued, a waiting task's effective priority rises one point per AGING_MS of
  waiting relative to anything queued after it, with no rescoring: a task of priority p is passed
  only by tasks of priority P queued less than (P − p) · AGING_MS after it.
  A task with a `concurrencyKey` gets max(that order, the key's last order + FAIR_SPACING)
  instead (start-time fair queuing): a key's backlog of n tasks is spread 100 ms apart in
  virtual time, so the ready tasks of several keys interleave rather than one key draining
  first. The key's last order lives in <prefix>:fair:<key>, expiring 1 s after its virtual time
  passes (after that, now dominates). Only keyed tasks touch those keys.
  Exactness: |priority| ≤ 2,000,000 (NumericBounds.score) and orders below 2^53 − 2^47 (about
  68 years after the epoch) keep every score an integer a double holds exactly. ]]

-- 2020-01-01T00:00:00Z in ms: the ready clock counts from here.
local SCHEDULE_EPOCH = 1577836800000
-- Waiting this long is worth one priority point (aging).
local AGING_MS = 10000
-- Ready-clock units per ms.
local ORDER_UNITS = 4096
-- Virtual time between two consecutive tasks of one concurrency key: 100 ms (docs/workflow-reference.md
-- *Fair rotation* says why).
local FAIR_SPACING = 100 * ORDER_UNITS
-- The largest order the scores stay exact for.
local MAX_ORDER = 9007199254740992 - 140737488355328

-- The ready clock as this call sees it: read at the first use, written back by `flush`.
local ready_clock, ready_clock_dirty = nil, false
-- Concurrency key -> its last order, as this call changed it (written back by `flush`).
local fair_orders, fair_dirty = {}, {}

-- The order a task queued now takes on the ready clock (see the header); `fair_key` is its
-- concurrency key or nil.
local function next_ready_order(fair_key)
  if not ready_clock then
    ready_clock = tonumber(redis.call('GET', P .. ':readyclock')) or 0
  end
  local now_order = math.max(0, NOW - SCHEDULE_EPOCH) * ORDER_UNITS
  local order = math.min(MAX_ORDER, math.max(now_order, ready_clock + 1))
  ready_clock, ready_clock_dirty = order, true
  if fair_key and fair_key ~= '' then
    local last = fair_orders[fair_key]
    if last == nil then last = tonumber(redis.call('GET', P .. ':fair:' .. fair_key)) or 0 end
    order = math.min(MAX_ORDER, math.max(order, last + FAIR_SPACING))
    fair_orders[fair_key] = order
    fair_dirty[fair_key] = true
  end
  return order
end

-- The ready score of a task of `priority` (clamped to NumericBounds.score) at `order`, as integer
-- text: a number passed to redis.call is formatted with "%.17g", several times the cost.
local function ready_score(priority, order)
  local p = math.max(-2000000, math.min(2000000, math.floor(tonumber(priority) or 0)))
  return string.format('%d', p * (AGING_MS * ORDER_UNITS) - order)
end

-- Writes back what `next_ready_order` advanced: the ready clock and each key's last order
-- (expiring a second after its virtual time is reached).
local function save_ready_clock()
  if ready_clock_dirty then
    redis.call('SET', P .. ':readyclock', string.format('%.0f', ready_clock))
    ready_clock_dirty = false
  end
  for key in pairs(fair_dirty) do
    local order = fair_orders[key]
    local at = SCHEDULE_EPOCH + math.floor(order / ORDER_UNITS) + 1000
    redis.call('SET', P .. ':fair:' .. key, string.format('%.0f', order), 'PXAT', string.format('%.0f', math.max(at, NOW + 1000)))
  end
  fair_dirty = {}
end

-- Schedules the queue timeout check of a task queued now that must start within `ms`: the
-- leader's `expire_queued` ends it `timed_out` if it is still queued then.
local function watch_queue_timeout(ref, ms)
  local limit = tonumber(ms)
  if limit and limit > 0 then redis.call('ZADD', P .. ':queuetimeouts', NOW + limit, ref) end
end
