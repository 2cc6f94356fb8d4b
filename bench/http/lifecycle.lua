-- wrk script: the order lifecycle as commands. Every request is one command:
--   POST /orders                      {"order_id":"<id>","customer_id":"..."}         (create)
--   POST /orders/<id>/items           {"sku":..,"name":..,"quantity":..,"price":12.5}  (x3)
--   POST /orders/<id>/submit          {}                                               (submit)
-- each with Content-Type: application/json, so five commands per order.
--
--   wrk -c64 -t2 -d20s --latency -s lifecycle.lua http://HOST:PORT -- [IDS_FILE]
--
-- An order has one request in flight at a time: its next step is sent only after the previous one
-- was answered 2xx. wrk's request() and response() are not told which connection they serve, so
-- each request carries X-Correlation-ID: <order key> (which the server echoes on every response)
-- and response() finds the order by it. A wrk thread keeps a queue of orders whose next step may be
-- sent; request() takes the oldest, or starts a new order when there is none. An order answered
-- non-2xx is abandoned. If a 201 has a Location header, the order's id is taken from it (in case
-- the server chose its own id).
--
-- Order keys are unique per run, wrk thread and order: o<tag>-<thread>-<n>, tag = $MINK_BENCH_TAG
-- (run.sh gives each wrk run its own) or the time and a random number in hex. done() prints the
-- MINK_WRK summary line (wrk_report.lua) with orders_submitted, orders_failed and unmatched
-- (responses without a known correlation id), and writes the ids of submitted orders (at most 5000
-- per thread), one a line, to IDS_FILE when given.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

local items_per_order = 3
local ids_kept_per_thread = 5000
local threads = {}
math.randomseed(os.time())
local tag = os.getenv("MINK_BENCH_TAG") or string.format("%x%04x", os.time(), math.random(0, 0xffff))

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
  thread:set("tag", tag)
end

-- Thread side.
local orders = {}  -- key -> {key, id, step}: orders with a request in flight or queued
local ready = {}   -- FIFO of orders whose next step may be sent
local ready_head, ready_tail = 1, 0
local created = 0

local function header(headers, name)
  local v = headers[name]
  if v ~= nil then return v end
  local lower = string.lower(name)
  for k, value in pairs(headers) do
    if string.lower(k) == lower then return value end
  end
  return nil
end

function init(args)
  report.init_thread()
  ids_file = args[1] or ""
  key_prefix = "o" .. tag .. "-" .. thread_index .. "-"
  customer = "customer-" .. thread_index
  orders_submitted = 0
  orders_failed = 0
  unmatched = 0
  submitted_ids = {}
end

function request()
  local o
  if ready_head <= ready_tail then
    o = ready[ready_head]
    ready[ready_head] = nil
    ready_head = ready_head + 1
  else
    created = created + 1
    local key = key_prefix .. created
    o = {key = key, id = key, step = 0}
    orders[key] = o
  end
  local headers = {["Content-Type"] = "application/json", ["X-Correlation-ID"] = o.key}
  if o.step == 0 then
    return wrk.format("POST", "/orders", headers,
                      '{"order_id":"' .. o.id .. '","customer_id":"' .. customer .. '"}')
  elseif o.step <= items_per_order then
    return wrk.format("POST", "/orders/" .. o.id .. "/items", headers,
                      '{"sku":"SKU-' .. o.step .. '","name":"Item ' .. o.step .. '","quantity":' .. o.step ..
                      ',"price":12.5}')
  else
    return wrk.format("POST", "/orders/" .. o.id .. "/submit", headers, "{}")
  end
end

function response(status, headers, body)
  report.count(status, body)
  local key = header(headers, "X-Correlation-ID")
  local o = key and orders[key]
  if o == nil then
    unmatched = unmatched + 1
    return
  end
  if status < 200 or status > 299 then
    orders_failed = orders_failed + 1
    orders[key] = nil
    return
  end
  if o.step == 0 then
    local location = header(headers, "Location")
    local id = location and location:match("/orders/([^/?]+)$")
    if id then o.id = id end
  end
  o.step = o.step + 1
  if o.step > items_per_order + 1 then
    orders_submitted = orders_submitted + 1
    orders[key] = nil
    if #submitted_ids < ids_kept_per_thread then table.insert(submitted_ids, o.id) end
  else
    ready_tail = ready_tail + 1
    ready[ready_tail] = o
  end
end

-- Main side.
function done(summary, latency, requests)
  report.done("lifecycle", threads, summary, latency, {"orders_submitted", "orders_failed", "unmatched"})
  local path = threads[1] and threads[1]:get("ids_file") or ""
  if path ~= "" then
    local f = assert(io.open(path, "w"))
    for _, t in ipairs(threads) do
      for _, id in ipairs(t:get("submitted_ids") or {}) do f:write(id, "\n") end
    end
    f:close()
  end
end
