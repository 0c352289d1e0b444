// How many family cards exist (progress bars of country-wide jobs).
MATCH (f:Family)
RETURN count(f) AS families
