"""What an operator types about a call besides the questionnaire: the consent read out, the caller's
language, when the call began."""

CALL = {"consent_read_out": "on", "caller_language": "ug", "call_started": "14:02"}
