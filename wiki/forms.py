"""The browser's forms (Flask-WTF): what each form carries and how its fields look.

Forms only check shape (present, a number, not absurdly long) and the CSRF
token; what a text, title or password may be is decided by the domain
(``revisions``, ``articles``, ``accounts``), whose ``InvalidInput`` the views
show beside the field it names. Browser only: the API parses JSON itself.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

# Longer than the domain allows, so the domain's clearer message is the one people see.
SUMMARY_FIELD_MAX = 1000
CONFIRM_LABEL = "These details are not about a real person, or I have their permission to publish them"


class HiddenIntegerField(IntegerField):
    """An integer carried in a hidden input (a revision id)."""

    widget = HiddenInput()

    def set(self, value: int | None) -> None:
        """Replace the value, including what was posted, so the page shows ``value``."""
        self.data = value
        self.raw_data = None


class EditForm(FlaskForm):
    """Edit an article: the whole text, a summary, and the revision the edit started from."""

    text = TextAreaField("Article text", render_kw={"rows": 24, "spellcheck": "true"})
    summary = StringField(
        "Summary of your change",
        validators=[Optional(), Length(max=SUMMARY_FIELD_MAX)],
        description="Briefly say what you changed and why, e.g. “Added the 2024 NICE guideline”.",
    )
    base_revision = HiddenIntegerField(validators=[Optional(), NumberRange(min=1)])
    confirm_warnings = BooleanField(CONFIRM_LABEL)
    save = SubmitField("Save")
    preview = SubmitField("Preview")


class NewArticleForm(FlaskForm):
    """Create an article: its title, first text and a summary."""

    title = StringField("Title", validators=[InputRequired(message="Give the article a title.")],
                        description="The usual name of the condition, e.g. “Type 2 diabetes”.")
    text = TextAreaField("Article text", render_kw={"rows": 24, "spellcheck": "true"})
    summary = StringField("Summary", validators=[Optional(), Length(max=SUMMARY_FIELD_MAX)])
    confirm_warnings = BooleanField(CONFIRM_LABEL)
    save = SubmitField("Create article")
    preview = SubmitField("Preview")


class RestoreForm(FlaskForm):
    """Bring back an old revision's text as a new revision."""

    revision = HiddenIntegerField(validators=[InputRequired(message="Choose a revision to restore."),
                                              NumberRange(min=1)])
    summary = StringField("Reason (optional)", validators=[Optional(), Length(max=SUMMARY_FIELD_MAX)])
    submit = SubmitField("Restore this version")


class UndoForm(FlaskForm):
    """Take back one revision's change."""

    summary = StringField("Reason (optional)", validators=[Optional(), Length(max=SUMMARY_FIELD_MAX)])
    submit = SubmitField("Undo this change")


class RollbackForm(FlaskForm):
    """Undo the latest author's consecutive edits."""

    summary = StringField("Reason (optional)", validators=[Optional(), Length(max=SUMMARY_FIELD_MAX)])
    submit = SubmitField("Roll back")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[InputRequired(message="Enter your username.")],
                           render_kw={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false"})
    password = PasswordField("Password", validators=[InputRequired(message="Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField("Log in")


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[InputRequired(message="Choose a username.")],
        description="3 to 40 letters, digits, dots, dashes or underscores. It is shown on your edits: "
                    "do not use your real name unless you want to.",
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField("Password", validators=[InputRequired(message="Choose a password.")],
                             description="At least 10 characters.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        "Confirm password",
        validators=[InputRequired(message="Type the password again."),
                    EqualTo("password", message="The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField()
    submit = SubmitField("Create account")


def show_by_field(form: FlaskForm, error: Exception) -> None:
    """Put a domain error's message beside the field it names (its ``field`` detail), else above the form."""
    message = getattr(error, "message", str(error))
    name = str(getattr(error, "details", {}).get("field", ""))
    field = form._fields.get(name)
    if field is None or name == "csrf_token":
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]
