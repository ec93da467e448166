"""Persistence: SQLAlchemy 2 models, migrations, repositories and the bot-state store."""
