"""Call records (CDR): the table, merging webhook and router facts, outcomes, service level."""
