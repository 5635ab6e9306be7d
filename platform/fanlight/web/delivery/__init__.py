"""Delivery of decided referrals to the council's case system (DESIGN §6).

- records.py: a delivery record per referral and destination, written in the decision's
  transaction with the payload its mapping rendered; acknowledgement, resend and cancel.
- adapters.py: signed HTTP JSON, and a folder drop (payload and case note, written atomically).
- worker.py: `fanlight worker`: claims due records, delivers them with backoff, records every
  attempt, and sends the mail outbox.

Where each destination named by a mapping goes is configuration (config.py, "Delivery destinations").
"""
