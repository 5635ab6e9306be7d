"""The account pages' forms (WTForms), and their errors as error-summary entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wtforms import BooleanField, EmailField, Field, Form, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..errors import FormError

if TYPE_CHECKING:  # Flask-WTF ships no types: its FlaskForm is a WTForms form with CSRF and this method

    class FlaskForm(Form):
        def validate_on_submit(self, extra_validators: Any = None) -> bool: ...

else:
    from flask_wtf import FlaskForm

EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"


def email_field(label: str = "Email address") -> EmailField:
    return EmailField(label, validators=[
        DataRequired("Enter your email address"), Length(max=254, message="Enter an email address in the right format"),
        # No control characters: NUL in particular cannot even be looked up in PostgreSQL.
        Regexp(EMAIL_PATTERN, message="Enter an email address in the right format, like name@example.org")])


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=1000)])
    # Off unless chosen: on a shared computer the session must end when the browser closes.
    remember = BooleanField("Keep me signed in on this device")


class EmailForm(FlaskForm):
    email = email_field()


class DetailsForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter your full name"),
                                                Length(max=200, message="Your name must be 200 characters or fewer")])
    password = PasswordField("Create a password", validators=[DataRequired("Enter a password"), Length(max=1000)])
    confirm = PasswordField("Confirm your password", validators=[
        DataRequired("Enter your password again"), EqualTo("password", message="The passwords do not match")])


class PhoneForm(FlaskForm):
    phone = StringField("Work phone number", validators=[
        Length(max=40, message="Enter a phone number of 40 characters or fewer"),
        Regexp(r"^[0-9+() -]*$", message="Enter a phone number using digits, spaces, brackets, + or - only")])


class ConfirmForm(FlaskForm):
    """Just the CSRF token: confirming an address is a button press, not opening a link."""


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter a new password"), Length(max=1000)])
    confirm = PasswordField("Confirm your new password", validators=[
        DataRequired("Enter your new password again"), EqualTo("password", message="The passwords do not match")])


def text(field: Field) -> str:
    """A validated text field's value (WTForms types it as optional)."""
    return str(field.data or "")


def add_error(field: Field, message: str) -> None:
    field.errors = [*field.errors, message]


def errors(form: FlaskForm) -> list[FormError]:
    """The error summary's entries: each message, linking to its field."""
    found = [FormError(field.id, message) for field in form for message in field.errors]
    first = next((f.id for f in form if f.type != "CSRFTokenField"), "main-content")
    return found + [FormError(first, m) for m in form.form_errors]
