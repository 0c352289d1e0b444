// Detected notification-only entitlements (pension age) not yet notified, with the phone.
MATCH (e:Entitlement)
WHERE e.entitlement_key > $after AND e.status = 'DETECTED' AND e.payment = 'notification'
OPTIONAL MATCH (p:Person {iin: e.recipient_iin})
RETURN e {.*} AS entitlement, p.phone AS phone
ORDER BY e.entitlement_key
LIMIT $limit
