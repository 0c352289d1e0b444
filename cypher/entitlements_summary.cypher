// Recorded entitlements per benefit and status (campaign figures).
MATCH (e:Entitlement)
RETURN e.benefit AS benefit, e.status AS status, count(e) AS entitlements
ORDER BY benefit, status
