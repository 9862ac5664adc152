--[[ specs: a run's task specs, kept in <run>:specs (task id -> stored spec) rather than in the
  task hashes, so those stay compact listpacks. A stored spec is the spec JSON itself, or a
  difference from the spec of a sibling stored in the same call (its template, always stored
  whole): `~<prefix>,<suffix>,<n>:<template id><middle>`, meaning the template's first <prefix>
  bytes, <middle>, then the template's last <suffix> bytes (RunRecord+SpecTemplates.swift); or
  the same with `^` for `~`, after which the first `"taskID":"<template id>"` (plain text, quotes
  included) becomes `"taskID":"<the task's id>"`.
  Needs nothing but redis.call. ]]

-- Templates read by this call, by run key and template id: siblings claimed together read
-- their template once.
local spec_templates = {}

-- The spec of task `id` of the run whose key is `rk`, `stored` being its <run>:specs entry; ""
-- when there is none or its template is gone (the worker refuses the empty spec and fails the
-- attempt rather than the claim failing for every task in it).
local function expand_spec(rk, stored, id)
  if not stored then return '' end
  local marker = string.byte(stored, 1)
  if marker ~= 126 and marker ~= 94 then return stored end -- '~', '^'
  local prefix, suffix, n, at = string.match(stored, '^.(%d+),(%d+),(%d+):()')
  if not at then return stored end
  local template_id = string.sub(stored, at, at + n - 1)
  local cache_key = rk .. '\n' .. template_id
  local template = spec_templates[cache_key]
  if not template then
    template = redis.call('HGET', rk .. ':specs', template_id)
    spec_templates[cache_key] = template or ''
  end
  if template == '' or not template then return '' end
  prefix, suffix = tonumber(prefix), tonumber(suffix)
  local spec = string.sub(template, 1, prefix) .. string.sub(stored, at + n) .. string.sub(template, #template - suffix + 1)
  if marker == 126 then return spec end
  local first, last = string.find(spec, '"taskID":"' .. template_id .. '"', 1, true)
  if not first then return spec end
  return string.sub(spec, 1, first - 1) .. '"taskID":"' .. id .. '"' .. string.sub(spec, last + 1)
end
