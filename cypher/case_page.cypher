// One page of investigators' cases in case id order after $after (null: from the start), filtered by status,
// region, a subject (`,iin,` inside the subjects text) and text in the lower-cased title (null: any).
MATCH (c:Case)
WHERE ($status IS NULL OR c.status = $status)
  AND ($region IS NULL OR c.region = $region)
  AND ($subject IS NULL OR c.subjects_text CONTAINS $subject)
  AND ($search IS NULL OR c.title_lower CONTAINS $search)
  AND ($after IS NULL OR c.case_id > $after)
RETURN c {.*} AS found
ORDER BY c.case_id
LIMIT $limit
