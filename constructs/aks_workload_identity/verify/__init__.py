"""``make verify``: the walkthrough's checks against the deployed environment (docs/verify.md)."""
