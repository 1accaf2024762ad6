"""The presentation layer: what the Streamlit app shows and how its edits become a new scenario.

The negotiation table and its Norwegian views (`views`), edits from widgets to a validated
`Scenario` (`edits`), charts (`charts`) and the offline map (`mapview`). The app (`app.py`,
`app_pages/`) sits on top and holds no rule of its own.
"""
