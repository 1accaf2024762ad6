"""Meeting mode's registry: a meeting follows the adviser's scenario, its county too."""

from __future__ import annotations

from store_helpers import actor, county_scenario

from allocator.output.store.access import parse_rules
from allocator.present.meeting import Meetings, may_view

RULES = parse_rules('[[users]]\nemail = "v@ks.no"\nfylker = ["Vestland"]\nrolle = "les"\n'
                    '[[users]]\nemail = "r@ks.no"\nfylker = ["Rogaland"]\nrolle = "les"\n')


def test_a_meeting_follows_the_advisers_scenario_and_its_county():
    meetings = Meetings()
    token = meetings.open(actor("nasjonal", email="n@ks.no"), county_scenario("Vestland", 11))
    vestland, rogaland = RULES.actor("v@ks.no"), RULES.actor("r@ks.no")
    meeting = meetings.get(token)
    assert meeting.owner == "Vestland" and may_view(meeting, vestland, RULES) and not may_view(meeting, rogaland, RULES)

    assert not meetings.publish(token, county_scenario("Vestland", 11)), "the same scenario is no change"
    assert meetings.publish(token, county_scenario("Rogaland", 22))
    meeting = meetings.get(token)
    assert meeting.changes == 1 and meeting.owner == "Rogaland"
    assert may_view(meeting, rogaland, RULES) and not may_view(meeting, vestland, RULES)
    assert not may_view(meeting, None, RULES)

    meetings.close(token)
    assert meetings.get(token) is None and not meetings.publish(token, county_scenario("Vestland"))
    other = meetings.open(actor("admin"), county_scenario("Vestland"))
    assert other != token and len(other) >= 22  # 128 random bits, not guessable
