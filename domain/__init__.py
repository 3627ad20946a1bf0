"""Pure trading rules and value types: stdlib + attrs only, no I/O, no clock, no randomness."""
