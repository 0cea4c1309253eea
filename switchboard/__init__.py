"""The router at work for a call: matching, ringing the agent, intake on answer, the event sink."""
