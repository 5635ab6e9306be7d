"""The front door (issue 9): referrals received, claimed, rated, asked about and decided.

Services, for the holding area and the referral page (its blueprint comes with them):

- `workflow`: every action on a referral (claim, assign, release, set_rag, move and its named
  moves), each a compare-and-set with its append-only event in one transaction;
- `history`: a referral's events, and the fold that rebuilds its state from them;
- `deadlines`: the decision clock, from the front door's working calendar (a definition).
"""
