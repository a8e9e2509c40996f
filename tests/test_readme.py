"""The README documents what a user can set."""

from api.settings import Settings
from tests.conftest import REPO

# Tuning and test switches, described in api/settings.py only.
INTERNAL = {"pool_min_size", "pool_max_size", "catalogue_dir", "load_catalogue_on_start", "log_level"}


def test_every_setting_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [
        f"CHITIEU_{name.upper()}"
        for name in Settings.model_fields
        if name not in INTERNAL and f"`CHITIEU_{name.upper()}`" not in readme
    ]
    assert missing == []
