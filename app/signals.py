"""Domain events: what happened, sent by the domain code that did it.

Receivers (notifications, following) connect here, so the domain that writes
does not need to know who listens. Every signal is sent inside the writing
request, before its commit; a receiver adds rows to the same session and sends
no mail itself (mail goes out later, from the outbox).
"""

from blinker import Namespace

_events = Namespace()

# A comment was posted on (or edited on) a dossier, task or thread.
# sender: the Comment row; keyword arguments:
#   target    the commented object (Application, Task or Thread)
#   mentioned the users mentioned in it who may see the target (list, no duplicates)
#   edited    True when an existing comment was changed
comment_posted = _events.signal("comment-posted")

# A task was created or saved (issue 26, notifications).
# sender: the Task; keyword arguments:
#   changes   the changed fields as {name: [old, new]} (app/activity/log.diff)
#   created   True for a new task
#   actor     who did it
task_saved = _events.signal("task-saved")

# A dossier changed: its status, a payment or a document.
# sender: the Application; keyword arguments:
#   what      "status" | "payment" | "document"
#   actor     who did it
#   detail    the new status, or the document's file name ("" otherwise)
dossier_changed = _events.signal("dossier-changed")

# A call was created, or reopened (from closed to not closed): it may fit
# municipalities that have not applied. sender: the SubsidyCall; actor.
call_opened = _events.signal("call-opened")

# A scoring round moved from draft to open. sender: the ScoringRound; actor.
round_opened = _events.signal("round-opened")

# Tasks were given to someone else in one batch (/tasks/bulk, issue 28 item 4).
# sender: the acting user; keyword arguments:
#   tasks     the reassigned Task rows (their assignee_id is the new one)
#   assignee  the id of the new assignee
tasks_reassigned = _events.signal("tasks-reassigned")

# Tasks changed in one batch otherwise (/tasks/bulk: a status or a date shift), or
# created in one go with an assignee (a new dossier's preparation tasks).
# sender: the acting user; keyword arguments:
#   changes   [(task, {field: [old, new]})] for each changed task, as task_saved
tasks_changed = _events.signal("tasks-changed")
