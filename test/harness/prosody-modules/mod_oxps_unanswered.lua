-- Test-only: lets tests put the server in the state "it took the request and will never answer"
-- at an exact point, instead of freezing the process after a delay that a fast machine wins.
--   oxps_unanswered = { ["NODE ACTION"] = N }  -- answer N pubsub requests <ACTION node="NODE"/>, then none
--   oxps_hold_pings_after = { ["JID"] = N }    -- a session that sent N messages to JID gets no more ping answers
local limits = module:get_option("oxps_unanswered", {});
local hold_pings_after = module:get_option("oxps_hold_pings_after", {});
local counts = {};
local seen = setmetatable({}, { __mode = "k" }); -- one stanza may fire several of the events below
local sent = setmetatable({}, { __mode = "k" }); -- session -> { [jid] = messages sent }
local held = setmetatable({}, { __mode = "k" }); -- sessions whose pings are no longer answered

local function hold_pubsub(event)
	local stanza = event.stanza;
	if seen[stanza] then return; end
	seen[stanza] = true;
	local action = stanza.tags[1] and stanza.tags[1].tags[1];
	if not action or not action.attr.node then return; end
	local key = action.attr.node .. " " .. action.name;
	local limit = limits[key];
	if limit == nil then return; end
	counts[key] = (counts[key] or 0) + 1;
	if counts[key] > limit then return true; end -- taken, never answered
end

for _, kind in ipairs({ "self", "bare", "host" }) do
	module:hook("iq/" .. kind .. "/http://jabber.org/protocol/pubsub:pubsub", hold_pubsub, 1000);
end

module:hook("pre-message/bare", function(event)
	local to = event.stanza.attr.to;
	local limit = hold_pings_after[to];
	if limit == nil then return; end
	local counts_of = sent[event.origin] or {};
	sent[event.origin] = counts_of;
	counts_of[to] = (counts_of[to] or 0) + 1;
	if counts_of[to] >= limit then held[event.origin] = true; end
end, 1000);

module:hook("iq/host/urn:xmpp:ping:ping", function(event)
	if held[event.origin] then return true; end
end, 1000);
