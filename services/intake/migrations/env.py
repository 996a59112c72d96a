from lianxin.migrations import run
from services.intake.models import Base

run(Base.metadata)
