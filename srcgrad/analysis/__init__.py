"""Analyses of the IR: operations and their rules, activity, aliasing."""
