"""The census's code lists, as the DfE Children in Need census XSD has them.

Transcribed from the project's domain notes (shared/domain/codes/cin_referral_source.yaml and
cin_primary_need.yaml, themselves from Social Finance's transcriptions of the DfE XSDs, liia-tools
snapshot 0dd821c, 2024-06-13; a test compares these with those files) and, for the child's
characteristics, from the XSD simple types in the domain notes' §5. Fanlight's own option lists
(definitions/options: agency-types, cin-primary-need, ethnicity, disabilities) carry these codes;
the census checks what they carry against these lists, so a code a council mistypes in a
definition shows up as missing, never as an invalid return.
"""

from __future__ import annotations

# ReferralSource (1A..10; 5D from the 2023 schema on).
REFERRAL_SOURCES = frozenset({
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4",
    "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10",
})

# PrimaryNeedCode (N0..N9).
PRIMARY_NEEDS = frozenset({f"N{n}" for n in range(10)})

# Ethnicity.
ETHNICITIES = frozenset({
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN",
    "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
})

# Disability (NONE, or one or more of the others).
DISABILITIES = frozenset({"NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA"})

# Sex (from the 2024-25 census; it replaced GenderCurrent): cause-for-concern's `sex` answers.
SEX = {"female": "F", "male": "M", "not_known": "U"}

# UPNunknown reasons Fanlight can know from what the front door holds.
UPN_UNBORN = "UN6"  # the child is an unborn baby
UPN_NFA = "UN7"  # a referral with no further action
UPN_UNDER_SIX = "UN1"  # aged under 6 and not yet given a UPN
