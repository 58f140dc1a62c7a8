-- wrk script for bench/ack: POSTs `/sluice help` slash commands to /slack/commands, signed the way
-- Slack signs them (X-Slack-Request-Timestamp and X-Slack-Signature: v0=HMAC-SHA256 of
-- "v0:<timestamp>:<body>" with the signing secret, in hex).
--
-- Under wrk:   SLACK_SIGNING_SECRET=… wrk -t2 -c32 -d15s --latency -s signed-help.lua http://127.0.0.1:PORT/slack/commands
-- Self-test:   luajit signed-help.lua --self-test
--              (checks Slack's published signing example; with extra arguments
--              `--hmac KEY_HEX MESSAGE_HEX` it prints one HMAC-SHA256 in hex, for comparing with openssl)
--
-- wrk's LuaJIT has the `bit` library but no HMAC, so SHA-256 and HMAC are written out below. The
-- signature only changes when the timestamp does (at most once a second; the body never changes),
-- so each wrk thread signs once a second and reuses the formatted request in between.

local bit = require("bit")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local lshift, rshift, ror, tobit, tohex = bit.lshift, bit.rshift, bit.ror, bit.tobit, bit.tohex

-- SHA-256 (FIPS 180-4) ---------------------------------------------------------------------------

local K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
for i = 1, 64 do K[i] = tobit(K[i]) end

local H0 = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}
for i = 1, 8 do H0[i] = tobit(H0[i]) end

local function be32(x)
    return string.char(band(rshift(x, 24), 255), band(rshift(x, 16), 255), band(rshift(x, 8), 255), band(x, 255))
end

-- Processes the 64-byte block of `s` starting after `offset` into the state `H`.
local function compress(H, s, offset, w)
    for i = 0, 15 do
        local p = offset + i * 4
        local b1, b2, b3, b4 = string.byte(s, p + 1, p + 4)
        w[i] = bor(lshift(b1, 24), lshift(b2, 16), lshift(b3, 8), b4)
    end
    for i = 16, 63 do
        local v15, v2 = w[i - 15], w[i - 2]
        local s0 = bxor(ror(v15, 7), ror(v15, 18), rshift(v15, 3))
        local s1 = bxor(ror(v2, 17), ror(v2, 19), rshift(v2, 10))
        w[i] = tobit(w[i - 16] + s0 + w[i - 7] + s1)
    end
    local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
    for i = 0, 63 do
        local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
        local ch = bxor(band(e, f), band(bnot(e), g))
        local t1 = tobit(h + S1 + ch + K[i + 1] + w[i])
        local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
        local maj = bxor(band(a, b), band(a, c), band(b, c))
        local t2 = tobit(S0 + maj)
        h, g, f, e = g, f, e, tobit(d + t1)
        d, c, b, a = c, b, a, tobit(t1 + t2)
    end
    H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
    H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
end

-- The SHA-256 digest of `message` as 32 raw bytes.
local function sha256(message)
    local length = #message
    local padding = (64 - (length + 9) % 64) % 64
    local bits = length * 8
    local padded = message .. "\128" .. string.rep("\0", padding)
        .. be32(math.floor(bits / 4294967296)) .. be32(bits % 4294967296)
    local H = { H0[1], H0[2], H0[3], H0[4], H0[5], H0[6], H0[7], H0[8] }
    local w = {}
    for offset = 0, #padded - 64, 64 do
        compress(H, padded, offset, w)
    end
    local out = {}
    for i = 1, 8 do out[i] = be32(H[i]) end
    return table.concat(out)
end

local function xorBytes(s, byte)
    return (string.gsub(s, ".", function(c) return string.char(bxor(string.byte(c), byte)) end))
end

local function toHex(s)
    return (string.gsub(s, ".", function(c) return string.format("%02x", string.byte(c)) end))
end

local function fromHex(s)
    return (string.gsub(s, "%x%x", function(pair) return string.char(tonumber(pair, 16)) end))
end

-- HMAC-SHA256 (RFC 2104) of `message` under `key`, in lowercase hex.
local function hmacSHA256Hex(key, message)
    if #key > 64 then key = sha256(key) end
    key = key .. string.rep("\0", 64 - #key)
    return toHex(sha256(xorBytes(key, 0x5c) .. sha256(xorBytes(key, 0x36) .. message)))
end

-- Slack's `v0=` signature of `body` sent at `timestamp`.
local function slackSignature(secret, timestamp, body)
    return "v0=" .. hmacSHA256Hex(secret, "v0:" .. timestamp .. ":" .. body)
end

-- Self-test (run with luajit, outside wrk) ----------------------------------------------------------

if wrk == nil then
    local mode = arg and arg[1]
    if mode == "--hmac" and arg[2] and arg[3] then
        print(hmacSHA256Hex(fromHex(arg[2]), fromHex(arg[3])))
        os.exit(0)
    end
    if mode ~= "--self-test" then
        io.stderr:write("usage: luajit signed-help.lua --self-test | --hmac KEY_HEX MESSAGE_HEX (or use it as a wrk script)\n")
        os.exit(2)
    end
    local failures = 0
    local function expect(name, got, want)
        if got == want then
            print("ok    " .. name)
        else
            failures = failures + 1
            print("FAIL  " .. name .. "\n      got  " .. got .. "\n      want " .. want)
        end
    end
    expect("sha256('')", toHex(sha256("")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    expect("sha256('abc')", toHex(sha256("abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    expect("sha256(448-bit message)", toHex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    expect("hmac-sha256 RFC 4231 case 2", hmacSHA256Hex("Jefe", "what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    expect("hmac-sha256 RFC 4231 case 6 (131-byte key)",
        hmacSHA256Hex(string.rep("\170", 131), "Test Using Larger Than Block-Size Key - Hash Key First"),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    local slackBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
        .. "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
        .. "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
        .. "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        .. "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    expect("Slack's published signing example",
        slackSignature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", slackBody),
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
    if failures > 0 then
        print(failures .. " self-test check(s) failed")
        os.exit(1)
    end
    print("all self-test checks passed")
    os.exit(0)
end

-- wrk hooks -----------------------------------------------------------------------------------------

-- A `/sluice help` slash command in the shape of shared/reference/slack/slash-command.form.
local body = "token=acceptanceVerificationToken01&team_id=T0ACCEPT1&team_domain=acceptance"
    .. "&channel_id=C0123CHAN&channel_name=acceptance&user_id=U0123ABCD&user_name=u0123abcd"
    .. "&command=%2Fsluice&text=help&api_app_id=A0SLUICE01&is_enterprise_install=false"
    .. "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0ACCEPT1%2F1234567890%2FabcdefABCDEF1234"
    .. "&trigger_id=1795275527.1.c344e0c6bd9e49b59ee093d55b23ee8a"

local secret = os.getenv("SLACK_SIGNING_SECRET")
if secret == nil or secret == "" then
    error("signed-help.lua: set SLACK_SIGNING_SECRET to the secret the server verifies with")
end

local path = wrk.path
local signedAt = nil
local signedRequest = nil

-- Per thread: counters read back in done() through thread:get.
responses = 0
non2xx = 0
notEphemeral = 0
firstFailure = ""

function request()
    local now = os.time()
    if now ~= signedAt then
        local timestamp = tostring(now)
        signedRequest = wrk.format("POST", path, {
            ["Content-Type"] = "application/x-www-form-urlencoded",
            ["X-Slack-Request-Timestamp"] = timestamp,
            ["X-Slack-Signature"] = slackSignature(secret, timestamp, body),
        }, body)
        signedAt = now
    end
    return signedRequest
end

function response(status, headers, responseBody)
    responses = responses + 1
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
        if firstFailure == "" then
            firstFailure = "HTTP " .. status .. ": " .. string.sub(responseBody or "", 1, 200)
        end
    elseif not string.find(responseBody or "", '"response_type":%s*"ephemeral"') then
        notEphemeral = notEphemeral + 1
    end
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function done(summary, latency, requests)
    local counted, failed, odd, failure = 0, 0, 0, ""
    for _, thread in ipairs(threads) do
        counted = counted + thread:get("responses")
        failed = failed + thread:get("non2xx")
        odd = odd + thread:get("notEphemeral")
        if failure == "" then failure = thread:get("firstFailure") end
    end
    local seconds = summary.duration / 1e6
    local errors = summary.errors
    local socketErrors = errors.connect + errors.read + errors.write + errors.timeout
    local rate = seconds > 0 and summary.requests / seconds or 0
    local p50 = latency:percentile(50) / 1000
    local p99 = latency:percentile(99) / 1000
    io.write(string.format("\nsigned /sluice help: %d requests in %.1f s\n", summary.requests, seconds))
    io.write(string.format("  requests/s  %.0f\n  p50         %.2f ms\n  p99         %.2f ms\n", rate, p50, p99))
    io.write(string.format("  non-2xx     %d   (2xx without an ephemeral reply: %d; socket errors: %d)\n", failed, odd, socketErrors))
    if failure ~= "" then io.write("  first non-2xx: " .. failure .. "\n") end
    io.write(string.format("BENCH_RESULT requests_per_s=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d not_ephemeral=%d socket_errors=%d responses=%d\n",
        rate, p50, p99, failed, odd, socketErrors, counted))
end
