--[[ store_tasks: store the next slice of a run that `submit_run` stored in part, and queue its
  ready tasks. A big run is stored in slices so that its first tasks start while the rest is
  stored and no call holds Redis for long; the coordinator sends the slices in order.
  KEYS: none declared; it derives its keys from the prefix because the tasks' queues, limits and
  dependents come from the task records it decodes (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] run id
  ARGV[6] position of the slice's first task in the run's storage order (0-based); the slice is
          stored only if it equals the run's `stored` count, so a replayed slice changes nothing
  ARGV[7..] the tasks, 14 arguments each (lib/store)
  A task a dependency's result reached before it was stored (<run>:early) is stored with that
  applied: counted off, queued, or skipped along with its dependents. The tasks of a run canceled
  meanwhile are stored canceled; the run finishes once its last task is stored and settled.
  Returns: the run's `stored` count after the call (-1 for an unknown run). ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include store

check_fence(ARGV[4])
local run = ARGV[5]
local rk = run_key(run)
local r = redis.call('HMGET', rk, 'stored', 'total', 'cancelReason')
if not r[2] then return -1 end
local stored = tonumber(r[1] or r[2])
if stored ~= tonumber(ARGV[6]) then return stored end

local FIRST = 7
local count = (#ARGV - FIRST + 1) / STORE_WIDTH
local early = nil
local members = redis.call('SMEMBERS', rk .. ':early')
if #members > 0 then
  early = {}
  for _, id in ipairs(members) do early[id] = true end
end
local settled = store_slice(run, FIRST, early, r[3] or nil)
stored = stored + count
redis.call('HSET', rk, 'stored', stored)
if settled > 0 then settle_later(run, settled, false) end
settle_all()
flush()
return stored
