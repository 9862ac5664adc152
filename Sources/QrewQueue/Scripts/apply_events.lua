--[[ apply_events: apply a batch of task completions exactly once and acknowledge them.
  KEYS: none declared; it derives its keys from the prefix because the tasks, runs, dependents,
  queues and limits it touches come from the events and task hashes it reads (docs/scaling.md,
  Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] consumer group
  ARGV[6..] pairs: events stream entry id, task ref
  The coordinator's safety net: `complete` normally applies a worker's result in the same call
  (lib/apply), so its event finds `applied` set and changes nothing; results recorded by
  `reap_leases` (and by runs stored without a retention) are applied here. A replayed entry
  changes nothing. Entries are acknowledged and deleted from the stream in the same script.
  What a result releases or skips downstream, and a failFast cancellation, are done as far as
  the call's budget goes (lib/common BUDGET); the coordinator's `sweep_runs` does the rest.
  Returns: number of events that changed state. ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel
--@include apply

check_fence(ARGV[4])
local group = ARGV[5]
local applied = 0
local ids = {}
for i = 6, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
  applied = applied + apply_final(ARGV[i + 1])
end
if #ids > 0 then
  call_chunked({ 'XACK', P .. ':events', group }, ids)
  call_chunked({ 'XDEL', P .. ':events' }, ids)
end
settle_all()
flush()
return applied
