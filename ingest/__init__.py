"""The mailbox: the only code that talks to a Maildir or an IMAP server."""
