// The anchor of a materialised family card.
MATCH (f:Family {family_id: $family_id})
RETURN f.anchor_iin AS anchor_iin
