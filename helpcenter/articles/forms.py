"""Forms of the public article pages."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length


class FeedbackForm(FlaskForm):
    """The "Was this helpful?" buttons under an article.

    No CSRF token: the article page is the same for every reader, so that it
    can be cached; cross-site posts are refused by their browser's own
    headers instead (:func:`helpcenter.security.cross_site`).
    """

    class Meta:
        csrf = False

    article = HiddenField(validators=[DataRequired(), Length(max=300)])
    helpful = StringField(validators=[AnyOf(["yes", "no"])])
