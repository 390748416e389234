"""Forms of the public article pages."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length


class FeedbackForm(FlaskForm):
    """The "Was this helpful?" buttons under an article."""

    article = HiddenField(validators=[DataRequired(), Length(max=300)])
    helpful = StringField(validators=[AnyOf(["yes", "no"])])
