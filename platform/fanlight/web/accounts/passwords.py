"""The rules a new password must meet (hashing, with argon2id, is in accounts/service.py).

The rules follow NCSC guidance: long rather than complex (12 characters or more, "three
random words" works well), and never one that is obviously guessable: the email address,
one character repeated, a run like 123456789012, or a well-known password with numbers and
symbols added.
"""

from __future__ import annotations

import re

MIN_LENGTH = 12
MAX_LENGTH = 256

# Well-known passwords and the words they are built on. A password whose letters are only one
# of these (e.g. "Password123456!", "qwertyuiop12") is refused.
COMMON = frozenset("""
password passw0rd passphrase letmein welcome welcomeback iloveyou admin administrator qwerty qwertyuiop
qwertyuiopasdfghjkl asdfghjkl asdfgh zxcvbnm azerty abc abcdef abcdefgh abcdefghijkl monkey dragon football
baseball sunshine princess shadow master superman batman trustno charlie changeme default secret login
fanlight council referral referrals frontdoor familyfrontdoor safeguarding children school teacher nurse
doctor police summer winter autumn spring january february march april may june july august september
october november december monday tuesday wednesday thursday friday saturday sunday london england
""".split())

_SEQUENCES = ("0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
              "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")


def problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why this password may not be used, in words for the person choosing it; None if it may."""
    if len(password) < MIN_LENGTH:
        return f"Your password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    email = email.strip().lower()
    local = email.partition("@")[0]
    if email and (email in lowered or (len(local) >= 4 and local in lowered)):
        return "Your password must not contain your email address"
    if _guessable(lowered, name.lower()):
        return "Choose a password that is harder to guess: for example, three random words"
    return None


def _guessable(lowered: str, name: str) -> bool:
    compact = re.sub(r"\s+", "", lowered)
    if len(set(compact)) <= 3:  # aaaaaaaaaaaa, abababababab, 111122223333
        return True
    if any(compact in sequence or compact in sequence[::-1] for sequence in _SEQUENCES):
        return True
    letters = re.sub(r"[^a-z]", "", compact)
    if not letters or letters in COMMON:  # only digits and symbols, or a well-known word dressed up
        return True
    names = [part for part in re.split(r"[^a-z]+", name) if len(part) >= 3]
    return bool(names) and letters in {"".join(names), *names}
