from lianxin.alembic_env import run
from services.console.models import Base

run(Base.metadata)
