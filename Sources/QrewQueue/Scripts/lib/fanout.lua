--[[ fanout: the join of a dynamic fan-out (docs/protocol.md "Dynamic fan-out"). Needs lib/common.
  `expand_task` turns a step's placeholder task into a join (state `expanded`, fields `left`:
  children not finished yet, `children`: JSON array of the child ids in element order,
  `failedChildren`) and stores its children, each carrying the field `join` = the placeholder's
  id. Each child's final result, applied once (lib/apply), counts the join down; the last one
  ends the join, whose own result lib/apply then applies like any task's. ]]

-- The outputs of the tasks `ids` of `run`, in order, as one JSON array of strings ("[]" for none).
local function joined_outputs(run, ids)
  if #ids == 0 then return '[]' end
  local outputs = {}
  for i, id in ipairs(ids) do
    outputs[i] = redis.call('HGET', task_key(run .. '/' .. id), 'output') or ''
  end
  return cjson.encode(outputs)
end

-- Counts the final result `state` of a child (its `continueOnError` flag `coe`) off the join
-- `join_id` of `run`. Returns nil while children are left (or when the join is no longer
-- `expanded`: canceled), else the join's final state, after recording it on the join: `failed`
-- if a child failed without continueOnError, `succeeded` otherwise, with the children's
-- outputs in element order as its output.
local function join_child_finished(run, join_id, state, coe)
  local jk = task_key(run .. '/' .. join_id)
  if redis.call('HGET', jk, 'state') ~= 'expanded' then return nil end
  if state ~= 'succeeded' and coe ~= '1' then redis.call('HINCRBY', jk, 'failedChildren', 1) end
  if redis.call('HINCRBY', jk, 'left', -1) > 0 then return nil end
  local j = redis.call('HMGET', jk, 'children', 'failedChildren')
  local failed = tonumber(j[2] or '0') > 0
  local final = failed and 'failed' or 'succeeded'
  redis.call('HSET', jk, 'state', final, 'finishedAt', NOW_S, 'applied', '1',
    'output', joined_outputs(run, cjson.decode(j[1])), 'error', failed and (j[2] .. ' fan-out task(s) failed') or '')
  emit(run, { 'type', 'task_finished', 'task', join_id, 'state', final, 'ts', NOW_S })
  return final
end
