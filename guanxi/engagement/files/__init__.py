"""Attachments on accounts, contacts and follow-ups."""
