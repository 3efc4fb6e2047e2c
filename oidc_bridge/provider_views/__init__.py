"""Views of our identity provider: protocol endpoints (`endpoints`) and the aidant's pages
(`authorize`: request validation, re-authentication, choice of usager and démarche)."""
