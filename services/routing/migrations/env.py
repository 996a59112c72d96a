from lianxin.alembic_env import run
from services.routing.models import Base

run(Base.metadata)
