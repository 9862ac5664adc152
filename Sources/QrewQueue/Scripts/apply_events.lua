--[[ apply_events: apply a batch of task completions exactly once and acknowledge them.
  ARGV[1..3] prefix, now, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] consumer group  ARGV[6] retention of finished runs (ms)
  ARGV[7..] pairs: events stream entry id, task ref
  For each final task not yet applied: a success (or a failure with continueOnError) counts one
  dependency off each dependent and queues those left with none; any other failure skips every
  task downstream (and with failFast cancels the run). A replayed entry finds `applied` set and
  changes nothing. Entries are acknowledged and deleted from the stream in the same script.
  Returns: number of events that changed state. ]]
--@include common
--@include fence
--@include finish
--@include cancel

check_fence(ARGV[4])
local group, retention = ARGV[5], ARGV[6]
local applied = 0
local ids = {}
for i = 7, #ARGV, 2 do
  local entry, ref = ARGV[i], ARGV[i + 1]
  ids[#ids + 1] = entry
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'applied', 'dependents', 'continueOnError', 'id')
  local final = t[1] == 'succeeded' or t[1] == 'failed' or t[1] == 'timed_out'
  if final and t[2] ~= '1' then
    redis.call('HSET', tk, 'applied', '1')
    applied = applied + 1
    local run = split_ref(ref)
    local released = t[1] == 'succeeded' or t[4] == '1'
    local settled = 1
    if released then
      for _, id in ipairs(cjson.decode(t[3] or '[]')) do
        local dref = run .. '/' .. id
        local dk = task_key(dref)
        if redis.call('HINCRBY', dk, 'deps', -1) == 0 and redis.call('HGET', dk, 'state') == 'waiting' then
          local d = redis.call('HMGET', dk, 'priority', 'queue')
          redis.call('HSET', dk, 'state', 'ready', 'queuedAt', NOW)
          push_ready(dref, d[1], d[2])
        end
      end
    else
      settled = settled + skip_dependents(run, t[3])
    end
    settle(run, settled, not released, retention)
    if not released and redis.call('HGET', run_key(run), 'failFast') == 'true' then
      cancel_run_tasks(run, 'failFast: ' .. t[5] .. ' failed', retention, 'failed')
    end
  end
end
if #ids > 0 then
  redis.call('XACK', P .. ':events', group, unpack(ids))
  redis.call('XDEL', P .. ':events', unpack(ids))
end
return applied
