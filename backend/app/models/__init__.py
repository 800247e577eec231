"""SQLModel tables and API schemas. Importing this package registers every table's metadata."""

from app.models.email import EmailOutbox, PasswordResetToken
from app.models.task import Task
from app.models.user import RefreshToken, User

__all__ = ["EmailOutbox", "PasswordResetToken", "RefreshToken", "Task", "User"]
