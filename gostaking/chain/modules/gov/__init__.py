"""The gov module: proposals, GOS-weighted votes, committee ratification and execution."""
