"""The console's pages, by whom they are for; importing this registers them all."""
from services.console.pages import (
    auth,
    department,
    district,
    meeting,
    month,
    operations,
    oversight,
    station,
    voter,
)

__all__ = ["auth", "department", "district", "meeting", "month", "operations", "oversight",
           "station", "voter"]
