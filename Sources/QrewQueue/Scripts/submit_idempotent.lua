--[[ submit_idempotent: queue a workflow submission under an idempotency key, unless a submission
  with that key was queued within its retention window (`qctl submit --idempotency-key`): one
  script checks and sets the key and queues the submission, so two clients retrying the same
  submission at once still create one run.
  KEYS[1] P:idempotency:<key>  KEYS[2] P:submissions (declared: no other key is touched)
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] idempotency key (its key is KEYS[1])  ARGV[5] retention (ms, > 0)
  ARGV[6] run id  ARGV[7] file name  ARGV[8] workflow text  ARGV[9] params (JSON object)
  ARGV[10] the files child workflows include (JSON object path -> text; "" or absent for none)
  ARGV[11] W3C traceparent the run joins ("" or absent: the coordinator starts a new trace)
  Keys: P:idempotency:<key> (string: the run id, expires after the retention)
  Returns: {1, <run id>} when this call queued the submission, or {0, <existing run id>} when
  the key was taken (nothing queued). ]]
--@include common

local ik = KEYS[1]
local existing = redis.call('GET', ik)
if existing then return { 0, existing } end
redis.call('SET', ik, ARGV[6], 'PX', tonumber(ARGV[5]))
local entry = { 'run', ARGV[6], 'file', ARGV[7], 'workflow', ARGV[8], 'params', ARGV[9], 'submittedAt', NOW_S }
if ARGV[10] and ARGV[10] ~= '' then
  entry[#entry + 1] = 'files'
  entry[#entry + 1] = ARGV[10]
end
if ARGV[11] and ARGV[11] ~= '' then
  entry[#entry + 1] = 'traceparent'
  entry[#entry + 1] = ARGV[11]
end
redis.call('XADD', KEYS[2], '*', unpack(entry))
return { 1, ARGV[6] }
