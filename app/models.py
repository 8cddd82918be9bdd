"""Imports every model so that metadata, Alembic and relationships see them all."""

from app.activity.models import Activity
from app.api.models import ApiToken
from app.auth.models import LoginFailure, User
from app.deadlines.models import ReminderSent
from app.documents.models import Document, DocumentFile
from app.meetings.models import AgendaItem, Forum, Meeting, MeetingNote
from app.municipalities.models import Municipality
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
    "Conversation",
    "DataChange",
    "DataVersion",
    "Document",
    "DocumentFile",
    "Forum",
    "LoginFailure",
    "Meeting",
    "MeetingNote",
    "Municipality",
    "Payment",
    "PendingImport",
    "Publication",
    "ReminderSent",
    "ReportingObligation",
    "Rollout",
    "Score",
    "ScoringRound",
    "SubsidyCall",
    "Task",
    "Theme",
    "Thread",
    "ThreadMention",
    "TrajectoryStep",
    "User",
    "WorkingGroup",
]
