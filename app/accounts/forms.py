"""Account forms: shape only; rules live in services."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

EMAIL = [DataRequired(), Email(message="Enter a valid email address."), Length(max=254)]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField("Password", validators=[DataRequired()])
    next = HiddenField()
    submit = SubmitField("Sign in")


class RegisterForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             description="At least 12 characters.")
    confirm = PasswordField("Repeat password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
    submit = SubmitField("Create account")


class EmailOnlyForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    submit = SubmitField("Send link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                             description="At least 12 characters.")
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
    submit = SubmitField("Set password")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                             description="At least 12 characters.")
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
    submit = SubmitField("Change password")


class ProfileForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Save")


class RolesForm(FlaskForm):
    member = BooleanField("Committee member")
    chair = BooleanField("Chair")
    admin = BooleanField("Administrator")
    # The roles the editor saw; if they changed meanwhile the edit is refused.
    seen = HiddenField()
    submit = SubmitField("Save roles")


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired("Enter the code."), Length(max=20)],
                       description="The 6-digit code your authenticator app shows, or one of "
                                   "your recovery codes.")
    submit = SubmitField("Continue")
