"""Stage 5, the result: the assessment as a plain value, its compact JSON (format 2) and the catalogue it refers to."""
