from lianxin.migrations import run
from services.routing.models import Base

run(Base.metadata)
