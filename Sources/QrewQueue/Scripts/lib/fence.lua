--[[ fence: coordinator scripts call check_fence(token) first, so a paused ex-leader whose lease
  lapsed cannot change anything once another coordinator holds the leader key. ]]

local function check_fence(token)
  local current = redis.call('GET', P .. ':leader')
  if current ~= token then
    error({ err = 'FENCED leadership lost: leader is ' .. tostring(current) .. ', caller holds ' .. token })
  end
end
