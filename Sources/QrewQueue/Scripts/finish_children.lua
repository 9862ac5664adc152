--[[ finish_children: end the child-workflow steps whose child runs finished (docs/protocol.md
  "Child workflows").
  KEYS: none declared; it derives its keys from the prefix because the parent tasks and runs come
  from the children's records it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence
  ARGV[5] the most child runs to take from <prefix>:childrenDone (where lib/finish lists each
          run with a `parent` when it finishes)
  Each step ends `succeeded` when its child run succeeded, else `failed` with error
  "child run <id> ended <state>[: <cancel reason>]"; its output is the JSON object
  {task id: output} of the child run's tasks; the result is applied at once (lib/apply). A step
  with `retries` and child runs left goes back to `ready` in <prefix>:delayed instead
  (`task_retrying`, outcome `failed`), to start a fresh child run after the backoff. A step
  no longer waiting for that child (canceled, or its run canceling) is left alone, so a replay
  changes nothing.
  Returns: {child runs taken, steps ended}. ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel
--@include apply
--@include backoff
--@include child

check_fence(ARGV[4])
local children = redis.call('LPOP', P .. ':childrenDone', tonumber(ARGV[5]))
if not children then return { 0, 0 } end
local ended = 0
for _, child in ipairs(children) do ended = ended + finish_child_step(child) end
settle_all()
flush()
return { #children, ended }
