-- wrk script: authorization-code exchanges, each code sent once. Arguments:
-- FILE THREADS. FILE holds one exchange body (form) a line; each of the n
-- threads (n = THREADS) takes every n-th line. A code is never sent twice (a
-- reused code is refused and revokes its grant): a thread that has sent all
-- of its share stops, and done() says so, since wrk still divides by the
-- whole duration and that run's figures are not valid (bench/signin.sh
-- then asks for more BENCH_CODES). wrk's own check of request() at start
-- takes one line, unsent.

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

local requests = {}
local i = 0
dry = 0
left = 0

function init(args)
  local n = tonumber(args[2] or "1")
  local k = 0
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  for line in io.lines(args[1]) do
    if k % n == (id or 0) then
      requests[#requests + 1] = wrk.format("POST", "/oauth/token", headers, line)
    end
    k = k + 1
  end
  left = #requests
end

function request()
  i = i + 1
  left = #requests - i
  if i > #requests then
    dry = 1
    left = 0
    wrk.thread:stop()
    -- Written but never read (the thread stops): a harmless request.
    return wrk.format("GET", "/health")
  end
  return requests[i]
end

function done()
  for _, t in ipairs(threads) do
    io.write(string.format("script: thread %d: %d codes left%s\n",
      t:get("id"), t:get("left"), t:get("dry") == 1 and ", ran dry" or ""))
  end
end
