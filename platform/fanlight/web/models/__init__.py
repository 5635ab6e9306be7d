"""What Fanlight stores, by domain; one metadata (migrations import this package).

Answers are JSON in the engine's one answer shape.
"""

from ..db import Base
from ._base import new_id
from .accounts import AccountToken, HeldAnswers, SignInThrottle, User
from .api import ApiClient, ApiIdempotencyKey
from .audit import AuditEvent
from .definitions import Change, ChangeComment, ChangeItem, DefinitionEvent, DefinitionVersion, Publication
from .delivery import Delivery, DeliveryAttempt
from .information import InformationRequest
from .mail import OutboxMessage
from .referrals import Attachment, Draft, ReferralMatchKey, RetentionGrant, Submission, SubmissionEvent
from .reporting import DailyCount
from .states import ChangeState, DeliveryState, DraftStatus, MailStatus, Rag, ReferralStatus

__all__ = [
    "AccountToken", "ApiClient", "ApiIdempotencyKey", "Attachment", "AuditEvent", "Base", "Change", "ChangeComment", "ChangeItem", "ChangeState",
    "DailyCount", "DefinitionEvent", "DefinitionVersion", "Delivery", "DeliveryAttempt", "DeliveryState", "Draft", "DraftStatus", "HeldAnswers", "InformationRequest", "MailStatus", "OutboxMessage",
    "Publication", "Rag", "ReferralMatchKey", "ReferralStatus", "RetentionGrant", "SignInThrottle", "Submission",
    "SubmissionEvent", "User", "new_id",
]
