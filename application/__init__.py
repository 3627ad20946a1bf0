"""Use-cases: each takes ports in its constructor and runs one job with `async execute`."""
