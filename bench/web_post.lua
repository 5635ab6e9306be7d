-- wrk script for bench/web.py: POST to a different draft on every request.
--
--   wrk -t2 -c16 -d10s --latency -s bench/web_post.lua http://127.0.0.1:PORT -- \
--       IDS_FILE PATH_TEMPLATE BODY_FILE HEADERS_FILE THREADS
--
-- IDS_FILE holds one draft id a line; PATH_TEMPLATE contains "{id}" (e.g.
-- "/drafts/{id}/submit"); BODY_FILE is the request body, the same for every request;
-- HEADERS_FILE holds "Name: value" lines (the session cookie, content type, CSRF token).
-- Thread t (0-based) of THREADS takes ids t+1, t+1+THREADS, ...: no id is used twice unless
-- the list runs out, which done() reports as "wrapped" (bench/web.py then rejects the run).

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   ids = {}
   for line in io.lines(args[1]) do
      if #line > 0 then ids[#ids + 1] = line end
   end
   template = args[2]
   local f = assert(io.open(args[3], "rb"))
   body = f:read("*a")
   f:close()
   headers = {}
   for line in io.lines(args[4]) do
      local name, value = line:match("^([^:]+):%s*(.-)%s*$")
      if name then headers[name] = value end
   end
   step = tonumber(args[5])
   nextid = tid + 1
   issued = 0
   wrapped = 0
end

function request()
   if nextid > #ids then
      nextid = tid + 1
      wrapped = wrapped + 1
   end
   local id = ids[nextid]
   nextid = nextid + step
   issued = issued + 1
   local path = template:gsub("{id}", id)
   return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
   for _, thread in ipairs(threads) do
      io.write(string.format("FANLIGHT-THREAD issued=%d wrapped=%d\n", thread:get("issued"), thread:get("wrapped")))
   end
end
