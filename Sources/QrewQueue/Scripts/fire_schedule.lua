--[[ fire_schedule: submit a schedule's due runs and advance it to its next tick, all or nothing,
  so a coordinator killed at the due instant neither loses nor doubles a run: the tick only
  moves with the submissions, and a call whose expected tick is no longer the schedule's changes
  nothing (another call fired it first). Run ids are derived from the schedule name and the tick
  (the caller's), and `submit_run` ignores a run id it already stored.
  KEYS: none declared; it derives its keys from the prefix because the runs it checks (lastRun) come
  from the schedule hash it reads; it also checks the fence (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence ("<coordinator>:<token>"; must equal the leader key)
  ARGV[5] schedule name
  ARGV[6] the next tick (ms) the caller planned from, "" for a schedule without one yet (just
          added or resumed)
  ARGV[7] the new next tick (ms), "" when the expression never matches again (the schedule then
          leaves P:schedules)
  ARGV[8..] pairs: tick (ms), run id; the runs to submit, oldest first
  Overlap with the schedule's previous run (`lastRun`) while it is unfinished: `skip` submits
  nothing (the ticks count in `skipped`), `cancelPrevious` cancels it (lib/cancel; the
  housekeeping loop's `sweep_runs` finishes a big one) and submits, `allow` submits.
  Returns: {runs submitted, ticks skipped, 1 if the previous run was canceled else 0}, or
  {-1, "missing" | "paused" | "stale"} when nothing changed. ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel
--@include retry
--@include sweep

check_fence(ARGV[4])
local name = ARGV[5]
local sk = P .. ':schedule:' .. name
local zk = P .. ':schedules'
if redis.call('EXISTS', sk) == 0 then
  redis.call('ZREM', zk, name)
  return { -1, 'missing' }
end
local s = redis.call('HMGET', sk, 'paused', 'next', 'overlap', 'lastRun', 'workflow', 'file', 'params', 'files')
if s[1] == '1' then
  redis.call('ZREM', zk, name)
  return { -1, 'paused' }
end
if (s[2] or '') ~= ARGV[6] then return { -1, 'stale' } end

local FIRST = 8
local ticks = (#ARGV - FIRST + 1) / 2
local submitted, skipped, canceled = 0, 0, 0
if ticks > 0 then
  local previous = s[4]
  local state = previous and redis.call('HGET', run_key(previous), 'state')
  local active = state and state ~= 'succeeded' and state ~= 'failed' and state ~= 'canceled'
  if active and s[3] == 'skip' then
    skipped = ticks
  else
    if active and s[3] == 'cancelPrevious' then
      begin_cancel(previous, 'schedule ' .. name .. ': a new run started (overlap: cancelPrevious)', 'canceled')
      if redis.call('ZSCORE', P .. ':sweeping', previous) then run_work(previous) end
      canceled = 1
    end
    for i = FIRST, #ARGV, 2 do
      local entry = { 'run', ARGV[i + 1], 'file', s[6] or name, 'workflow', s[5] or '', 'params', s[7] or '{}',
        'submittedAt', NOW_S, 'schedule', name }
      -- the files its child workflows name, as `qctl schedule add` read them
      if s[8] then
        entry[#entry + 1] = 'files'
        entry[#entry + 1] = s[8]
      end
      redis.call('XADD', P .. ':submissions', '*', unpack(entry))
      submitted = submitted + 1
    end
    redis.call('HSET', sk, 'lastRun', ARGV[#ARGV], 'lastTick', ARGV[#ARGV - 1], 'lastFiredAt', NOW_S)
    redis.call('HINCRBY', sk, 'fired', submitted)
  end
  if skipped > 0 then redis.call('HINCRBY', sk, 'skipped', skipped) end
end
if ARGV[7] ~= '' then
  redis.call('HSET', sk, 'next', ARGV[7])
  redis.call('ZADD', zk, tonumber(ARGV[7]), name)
else
  redis.call('HDEL', sk, 'next')
  redis.call('ZREM', zk, name)
end
settle_all()
note_retried(flush())
return { submitted, skipped, canceled }
