"""A throwaway chain module for tests: one folder, joined to a chain by one line in its module list.

Accounts bump a counter with a short note; the end of each block reports that block's bumps. It has what a real
module has — tables, a parameter section of its own, a genesis section, a message, an end-block hook, an invariant
and events — and it touches nothing outside this folder.
"""
