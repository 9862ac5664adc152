--[[ release_leadership: give up the coordinator leader lease at once (a coordinator stopping on
  SIGTERM), so a standby takes over at its next poll instead of waiting out the lease.
  KEYS[1] P:leader (declared: no other key is touched)
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] the leader value this coordinator holds ("<coordinator id>:<fence>")
  Deletes P:leader only while it still holds exactly that value; the fence counter stays, so
  the next leader gets a new fence.
  Returns: 1 if released, 0 if the lease had already lapsed or another coordinator leads. ]]
--@include common

local key = KEYS[1]
if redis.call('GET', key) == ARGV[4] then
  redis.call('DEL', key)
  return 1
end
return 0
