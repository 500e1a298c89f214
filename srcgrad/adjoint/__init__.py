"""The reverse sweep: the adjoint of an IR function, and the values it saves."""
