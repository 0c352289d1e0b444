// Dashboard: recorded entitlements per detection date, benefit and status with their amounts, in
// the region of the recipient's open registration (as offers take it), optionally one region only.
MATCH (e:Entitlement)
OPTIONAL MATCH (p:Person {iin: e.recipient_iin})
OPTIONAL MATCH (p)-[r:REGISTERED_AT]->(d:Dwelling)
WHERE r.to IS NULL
WITH e, head(collect(d.region)) AS region
WHERE $region IS NULL OR region = $region
RETURN e.detected_on AS detected_on, e.benefit AS benefit, e.status AS status,
  count(e) AS entitlements, sum(coalesce(e.amount_kzt, 0)) AS amount_kzt
ORDER BY detected_on, benefit, status
