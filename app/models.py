"""Imports every model so that metadata, Alembic and relationships see them all."""

from app.activity.models import Activity
from app.api.models import ApiToken
from app.auth.models import Identity, LoginFailure, User
from app.comments.models import Comment
from app.deadlines.models import ReminderSent
from app.documents.models import Document, DocumentFile
from app.main.models import DashboardVisit
from app.meetings.models import AgendaItem, Forum, Meeting, MeetingNote
from app.municipalities.models import Municipality
from app.notifications.models import (
    Follow,
    LeadTime,
    Notification,
    NotificationPreference,
    SentReminder,
)
from app.public.models import Publication
from app.readmodel import DataChange, DataVersion
from app.strategy.models import (
    Conversation,
    PendingImport,
    Score,
    ScoringRound,
    Thread,
    ThreadMention,
    TrajectoryStep,
)
from app.subsidies.models import (
    Application,
    ApplicationPartner,
    Payment,
    ReportingObligation,
    SubsidyCall,
)
from app.work.models import Rollout, Task, Theme, WorkingGroup

__all__ = [
    "Activity",
    "AgendaItem",
    "ApiToken",
    "Application",
    "ApplicationPartner",
    "Comment",
    "Conversation",
    "DataChange",
    "DashboardVisit",
    "DataVersion",
    "Document",
    "DocumentFile",
    "Follow",
    "Forum",
    "Identity",
    "LeadTime",
    "LoginFailure",
    "Meeting",
    "MeetingNote",
    "Municipality",
    "Notification",
    "NotificationPreference",
    "Payment",
    "PendingImport",
    "Publication",
    "ReminderSent",
    "ReportingObligation",
    "Rollout",
    "Score",
    "ScoringRound",
    "SentReminder",
    "SubsidyCall",
    "Task",
    "Theme",
    "Thread",
    "ThreadMention",
    "TrajectoryStep",
    "User",
    "WorkingGroup",
]
