"""The charts speak the app's colour."""

import tomllib

from helpers import REPO

from allocator.present.charts import THEME_COLOUR


def test_the_charts_use_the_theme_colour_of_the_app():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["theme"]["primaryColor"].lower() == THEME_COLOUR.lower()
