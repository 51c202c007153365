"""Use cases that combine the rings below (documents, profiles, scheme); the CLI, the API
and the web pages call these rather than each other."""
