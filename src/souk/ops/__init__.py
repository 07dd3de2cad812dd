"""Operations: what platform staff do, and the audit log of every staff action."""
