"""The hexagon's ports: Protocols the application talks to, in domain types only."""
