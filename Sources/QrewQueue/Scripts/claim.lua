--[[ claim: lease up to ARGV[6] ready tasks to one worker, best score first, in one round trip.
  KEYS: none declared; it derives its keys from the prefix because the tasks it claims are popped
  from the ready queues inside, and their runs, limits and gates come from the task hashes
  (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] worker name  ARGV[5] lease length (ms)  ARGV[6] max tasks
  ARGV[7..] queue names, in the worker's order of preference
  The leasing itself (limits, gates, parking, the bound on entries examined, traces, the wake-up
  tokens of a queue it empties) is lib/claim_ready's.
  Returns: flat array, 9 entries per task: ref, token, attempt, spec (JSON from <run>:specs; for
  a task stored as a difference, the pair {difference, template} where the reply names
  that template first and the difference alone after that: lib/specs spec_entry),
  outputs (flat array of task id, output pairs: every task the spec references; "" when it
  references none), trace ("<trace id>-<flags>", "" for
  a run without one), the queue it was claimed from, how long it waited there (ms from its
  `queuedAt` to now; -1 when the task has no `queuedAt`), and its signature (task field `sig`,
  "" when unsigned; read in the same HMGET, checked by the worker, docs/security.md). ]]
--@include common
--@include limits
--@include gates
--@include specs
--@include claim_ready

local queues = {}
for qi = 7, #ARGV do queues[#queues + 1] = ARGV[qi] end
local out = claim_ready(ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), queues)
flush()
return out
