// How many replies from one phone since a time named a wrong offer code (throttling guesses).
MATCH (s:InboundSms {phone: $phone})
WHERE s.received_at >= $since AND s.outcome = 'unknown_offer'
RETURN count(s) AS failures
