"""What every exchange adapter shares: the HTTP reply reader, the clock offset, the event hub,
the WS frame recorder, the wire converter's hooks and secrets that cannot leak."""
