"""What people do with assessments: open questions, compare dates, verify a stored result, walk a trainer through
a case, the timeline, and caseloads in batch (one machine or Dask)."""
