"""One-off experiments that explain a surprising figure; each prints what it found (not tests)."""
