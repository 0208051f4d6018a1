"""The administrators' outbox pages: the mail waiting, sent and failed, and each message."""
