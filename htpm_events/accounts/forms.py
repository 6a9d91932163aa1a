from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("E-mail", [DataRequired("Enter your e-mail."), Length(max=254)])
    password = PasswordField("Password", [DataRequired("Enter your password."), Length(max=1000)])
