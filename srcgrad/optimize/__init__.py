"""Cleanup of the generated code: dead code, inlining, folding, loop order."""
