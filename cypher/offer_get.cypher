// One offer with its transitions (oldest first) and messages.
MATCH (o:Offer {offer_id: $offer_id})
RETURN o {.*} AS offer,
  [(o)-[:HAD_TRANSITION]->(t:OfferTransition) | t {.*}] AS transitions,
  [(o)-[:SENT_MESSAGE]->(m:OutboxMessage) | m {.*}] AS messages,
  [(o)-[:ORDERED_PAYMENT]->(p:PaymentOrder) | p {.*}] AS payment_orders
