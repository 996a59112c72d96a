from lianxin.alembic_env import run
from services.departments.models import Base

run(Base.metadata)
