"""The exchange core: instruments, prices, accounts, orders, algo orders, fills. No I/O."""
