-- wrk script: refresh-token rotation where every request carries a live
-- refresh token. Arguments: FILE THREADS CLIENT_ID. FILE holds refresh
-- tokens of distinct families (grants), one a line; each thread takes every
-- n-th line (n = THREADS) as its pool. request() takes the oldest token of
-- the pool; response() puts back the rotated one from a 200's body. A
-- non-2xx answer puts nothing back (its family is left alone, never sent
-- again) and is counted; so is a family lost with a connection. A token is
-- therefore never sent twice, and a failure costs one family, not every
-- later request. The pool must hold more families than the thread has
-- connections (bench/signin.sh prepares 2 x connections + 8 per thread; one
-- is taken by wrk's own check of request() at start). A thread whose pool
-- runs dry stops, and done() says so: that run's figures are not valid.

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

local pool, head, tail = {}, 1, 0
local client_id = ""
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
failed = 0
dry = 0
left = 0

function init(args)
  local n = tonumber(args[2] or "1")
  client_id = args[3] or ""
  local k = 0
  for line in io.lines(args[1]) do
    if k % n == (id or 0) then
      tail = tail + 1
      pool[tail] = line
    end
    k = k + 1
  end
  left = tail - head + 1
end

function request()
  if head > tail then
    dry = 1
    wrk.thread:stop()
    -- Written but never read (the thread stops): a harmless request.
    return wrk.format("GET", "/health")
  end
  local token = pool[head]
  pool[head] = nil
  head = head + 1
  left = tail - head + 1
  return wrk.format("POST", "/oauth/token", headers,
    "grant_type=refresh_token&client_id=" .. client_id .. "&refresh_token=" .. token)
end

function response(status, _, body)
  local token = status == 200 and body:match('"refresh_token":"([a-z0-9]+)"')
  if token then
    tail = tail + 1
    pool[tail] = token
    left = tail - head + 1
  else
    failed = failed + 1
  end
end

function done()
  for _, t in ipairs(threads) do
    io.write(string.format("script: thread %d: %d failed, %d families left%s\n",
      t:get("id"), t:get("failed"), t:get("left"), t:get("dry") == 1 and ", ran dry" or ""))
  end
end
