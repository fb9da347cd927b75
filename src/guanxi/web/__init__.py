"""HTTP plumbing shared by the platform's routers (``api``) and the modules' routers:
the wired services and the request's unit of work, problem+json, JSON rendering and
decoding (ADR 0014)."""
