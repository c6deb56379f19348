"""Stage 1, the case: the profile a caseworker gives, read with errors that name the field, and its flat facts."""
