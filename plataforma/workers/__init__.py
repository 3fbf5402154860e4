"""Background workers that are entry points of their own (like the socket handlers)."""
