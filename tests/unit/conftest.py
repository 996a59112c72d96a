"""Unit tests of the rules: plain objects, the sample directory, no broker."""
import pytest

from lianxin.config import read_yaml
from services.routing import ladder as ladders
from services.routing.domain import Issue, Rules


@pytest.fixture(scope="session")
def directory():
    return read_yaml("data/hanbin.yml")


@pytest.fixture(scope="session")
def ladder(directory):
    return ladders.from_directory(directory)


@pytest.fixture(scope="session")
def rules():
    return Rules.from_file(read_yaml("data/rules.yml"))


VILLAGE = "610902101002"          # 白庙村, 关庙镇
VILLAGE_STATION = "st-610902101002"
TOWN_STATION = "st-610902101"
DISTRICT_STATION = "st-610902"


def an_issue(**changes):
    base = dict(id="i-1", status="open", tier="village", station_id=VILLAGE_STATION,
                category="roads", title="村道塌方", village_code=VILLAGE, channel="hotline",
                tracking_no="HB202611000001", version=1)
    return Issue(**{**base, **changes})
