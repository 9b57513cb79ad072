"""Use cases. Public functions are ``verb_noun``, take the session and the acting user,
and each is one transaction (commit once; helpers only flush)."""
