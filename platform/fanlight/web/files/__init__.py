"""Files people send: what a file really is, the virus scan, and where attachments are kept.

Shared by every way a referral arrives (the browser journey now, the API to come).
"""
