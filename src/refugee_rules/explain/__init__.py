"""Stage 4, the explanation: what the engine's firings mean for each finding, in the kind's words, with the facts,
rules, citations and open questions behind it; regimes arranged per destination in scope."""
