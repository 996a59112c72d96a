from lianxin.migrations import run
from services.notify.models import Base

run(Base.metadata)
