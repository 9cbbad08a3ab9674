"""AML monitoring over the indexed chain activity: rules, alerts and cases (off chain; freezes go on chain
through the compliance council)."""
