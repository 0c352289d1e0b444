// The offers sent to a phone number (reply matching).
MATCH (o:Offer {phone: $phone})
RETURN o {.*} AS offer
