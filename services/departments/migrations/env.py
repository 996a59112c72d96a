from lianxin.migrations import run
from services.departments.models import Base

run(Base.metadata)
