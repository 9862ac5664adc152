--[[ add_schedule: store a schedule (`qctl schedule add`): the workflow it submits and when. Its
  first tick is left to the leading coordinator, which computes it on Redis's clock
  (`fire_schedule` with an empty expected tick), so the schedule is put in P:schedules due at 0.
  KEYS[1] P:schedule:<name>  KEYS[2] P:schedules (declared: no other key is touched)
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] schedule name  ARGV[5] 1 to replace an existing schedule of that name, else 0
  ARGV[6] document: JSON object of string fields (workflow, file, params, cron, timezone,
          catchUp, overlap; and files, the JSON object of the files its child workflows name,
          when there are some)
  Keys: P:schedule:<name> (hash), P:schedules (zset name -> next tick, ms; paused ones absent)
  Returns: 1 when stored, 0 when the name is taken and ARGV[5] is 0 (nothing changed). ]]
--@include common

local name = ARGV[4]
local sk = KEYS[1]
if ARGV[5] ~= '1' and redis.call('EXISTS', sk) == 1 then return 0 end
redis.call('DEL', sk)
local fields = { 'name', name, 'createdAt', NOW_S, 'paused', '0', 'fired', '0', 'skipped', '0' }
for k, v in pairs(cjson.decode(ARGV[6])) do
  fields[#fields + 1] = k
  fields[#fields + 1] = tostring(v)
end
redis.call('HSET', sk, unpack(fields))
redis.call('ZADD', KEYS[2], 0, name)
return 1
