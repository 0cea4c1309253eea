"""The staff web: sign-in and roles, the agent's softphone and the supervisor desk."""
