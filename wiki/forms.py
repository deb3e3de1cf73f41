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


# ---------------------------------------------------------------- review, reports, admin
# The domain checks lengths and required text (``review``, ``flags``, ``accounts``);
# these only carry the fields and the CSRF token.

REVIEW_COMMENT_MAX = 4000  # longer than review.MAX_COMMENT, so the domain's message is the one shown


class ApproveForm(FlaskForm):
    """Approve a pending revision (and those before it), with an optional comment."""

    comment = TextAreaField("Comment (optional)", validators=[Optional(), Length(max=REVIEW_COMMENT_MAX)],
                            render_kw={"rows": 2})
    next = HiddenField()
    submit = SubmitField("Approve")


class RejectForm(FlaskForm):
    """Reject the pending changes up to a revision; the comment is required and shown to the authors."""

    comment = TextAreaField("Why are you rejecting it?",
                            validators=[Optional(), Length(max=REVIEW_COMMENT_MAX)],
                            description="The authors will see this.", render_kw={"rows": 2})
    next = HiddenField()
    submit = SubmitField("Reject")


class ReportForm(FlaskForm):
    """Report an inaccuracy in an article (anyone, logged in or not)."""

    reason = TextAreaField(
        "What is wrong?",
        validators=[Optional(), Length(max=4000)],
        description="For example: “The usual adult dose is 500 mg, not 5000 mg (BNF, 2024)”. "
                    "Do not include details about yourself or anyone else.",
        render_kw={"rows": 5},
    )
    excerpt = TextAreaField(
        "The passage that is wrong (optional)",
        validators=[Optional(), Length(max=2000)],
        description="Copy the sentence from the article, so reviewers can find it.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Send report")


class ResolveFlagForm(FlaskForm):
    """Close a report as fixed by a revision (default: the article's current reviewed version)."""

    revision = IntegerField("Revision that fixed it (optional)",
                            validators=[Optional(), NumberRange(min=1, max=2**63 - 1)],
                            description="Leave empty for the current reviewed version.")
    submit = SubmitField("Mark as fixed")


class DismissFlagForm(FlaskForm):
    """Close a report without a fix, saying why."""

    reason = StringField("Why is no change needed?", validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Dismiss report")


class SetRoleForm(FlaskForm):
    """Give a user a role (the page offers a select; ``Role.parse`` decides what is a role)."""

    role = StringField("Role", validators=[InputRequired(message="Choose a role.")])
    submit = SubmitField("Set role")


class VerifyClinicianForm(FlaskForm):
    """Record a user's checked credential; they become a clinician at least."""

    credential = StringField(
        "Credential", validators=[Optional(), Length(max=400)],
        description="As it will show on their badge, e.g. “RN, oncology” or “MD, cardiology”.",
    )
    submit = SubmitField("Verify clinician")


class BlockForm(FlaskForm):
    """Block a user from editing and posting for a number of days, with a reason."""

    reason = StringField("Reason", validators=[Optional(), Length(max=2000)])
    days = IntegerField("Days", default=7,
                        validators=[InputRequired(message="Give the length of the block in days."),
                                    NumberRange(min=1, max=3650)])
    submit = SubmitField("Block")


class UnblockForm(FlaskForm):
    """Lift a block."""

    submit = SubmitField("Unblock")


class ProtectForm(FlaskForm):
    """Set who may edit an article (``trust.parse_protection`` decides what is a level)."""

    level = StringField("Who may edit", validators=[InputRequired(message="Choose who may edit.")])
    submit = SubmitField("Set protection")


class SuppressForm(FlaskForm):
    """Hide a revision's text from everyone but admins, with the reason."""

    reason = StringField("Reason", validators=[Optional(), Length(max=2000)],
                         description="For example: “names a patient”.")
    submit = SubmitField("Hide text")


def show_by_field(form: FlaskForm, error: Exception) -> None:
    """Put a domain error's message beside the field it names (its ``field`` detail), else above the form."""
    message = getattr(error, "message", str(error))
    name = str(getattr(error, "details", {}).get("field", ""))
    field = form._fields.get(name)
    if field is None or name == "csrf_token":
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]


# ---------------------------------------------------------------- talk pages, profile, account
# The domain (``talk``, ``people``) checks lengths and empty text; these carry the fields.

TALK_TEXT_FIELD_MAX = 25_000  # above talk.MAX_TEXT, so the domain's message is the one shown


class TalkPostForm(FlaskForm):
    """Start a thread (with a subject) or reply to a post (``parent``); ``revision`` quotes a revision."""

    subject = StringField("Subject", validators=[Optional(), Length(max=1000)],
                          description="A few words saying what the thread is about.")
    text = TextAreaField("Your message", validators=[Optional(), Length(max=TALK_TEXT_FIELD_MAX)],
                         description="Markdown works here. Do not include details about yourself or anyone "
                                     "else that could identify them.",
                         render_kw={"rows": 6, "spellcheck": "true"})
    parent = HiddenIntegerField(validators=[Optional(), NumberRange(min=1)])
    revision = HiddenIntegerField(validators=[Optional(), NumberRange(min=1)])
    confirm_warnings = BooleanField(CONFIRM_LABEL)
    submit = SubmitField("Post")


class TalkEditForm(FlaskForm):
    """Change one's own post, shortly after posting it."""

    text = TextAreaField("Your message", validators=[Optional(), Length(max=TALK_TEXT_FIELD_MAX)],
                         render_kw={"rows": 8, "spellcheck": "true"})
    confirm_warnings = BooleanField(CONFIRM_LABEL)
    submit = SubmitField("Save changes")


class HidePostForm(FlaskForm):
    """Hide a talk post from everyone but reviewers (reviewers), saying why."""

    reason = StringField("Why hide it?", validators=[Optional(), Length(max=2000)],
                         description="For example: “names a patient” or “personal attack”.")
    submit = SubmitField("Hide post")


class ProfileForm(FlaskForm):
    """What a user says about themselves on their contributor page."""

    display_name = StringField("Display name (optional)", validators=[Optional(), Length(max=400)],
                               description="Shown on your contributor page beside your username.")
    bio = TextAreaField("About you (optional)", validators=[Optional(), Length(max=4000)],
                        description="A sentence or two, e.g. “Carer for my father, who has COPD.” "
                                    "Everyone can read it.",
                        render_kw={"rows": 4})
    email = StringField("E-mail for notifications (optional)", validators=[Optional(), Length(max=254)],
                        description="Private: only used to e-mail you about watched articles, replies "
                                    "and reviews, when this wiki sends mail.",
                        render_kw={"type": "email", "autocomplete": "email"})
    submit = SubmitField("Save profile")


class DeleteAccountForm(FlaskForm):
    """Delete one's own account, confirmed with the password."""

    password = PasswordField("Your password", validators=[InputRequired(message="Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Delete my account")
