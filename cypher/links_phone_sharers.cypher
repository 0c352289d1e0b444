// Everybody with each phone number in $phones (the shares_phone hop of a link query), one row per number.
// Phone numbers are a Person property; production wants an index on Person.phone for this lookup.
UNWIND $phones AS phone
MATCH (o:Person {phone: phone})
RETURN phone, collect(o.iin) AS iins
