"""The dashboard's tables, one module per idea: contacts received (`demand`), decisions and
conversion (`outcomes`), threshold calibration (`calibration`), referral quality and re-referrals
(`quality`), pending work and timeliness (`timeliness`). Each table is a function of a Scope."""
