"""Where tcremedy's ACL entry goes in a direction's list (pure): on top, every other entry kept in order."""

from __future__ import annotations

from tcremedy.cloud.acl_defaults import own_entries
from tcremedy.cloud.state import NetworkAclEntry
from tcremedy.remediate.acl_entries import (
    WantedEntry,
    declared,
    effective,
    ensure,
    provider_cannot_write,
    without_owned,
)

RDP = WantedEntry("ingress", "203.0.113.0/24", "3389", "tcremedy: RDP from 203.0.113.0/24")
REPLIES = WantedEntry("egress", "203.0.113.0/24", "49152-65535", "tcremedy: RDP replies to 203.0.113.0/24")


def _e(action: str, port: str, cidr: str, protocol: str = "TCP", description: str = "") -> NetworkAclEntry:
    return NetworkAclEntry(protocol, port, action, cidr_block=cidr, description=description)


ADMIN = (_e("DROP", "3389", "0.0.0.0/0", description="no rdp"), _e("ACCEPT", "", "0.0.0.0/0", "ALL"))


def test_a_missing_entry_goes_on_top_and_every_other_entry_stays_in_order():
    merged = ensure(ADMIN, RDP)
    assert merged.entries == (RDP.entry(), *ADMIN) and merged.adopted is False
    assert effective(merged.entries, RDP) == 0
    assert ensure(merged.entries, RDP).entries is None  # a second run changes nothing (no duplicate)


def test_a_drop_over_part_of_the_reply_ports_shadows_the_entry():
    partly = (_e("DROP", "50000-50010", "0.0.0.0/0"), REPLIES.entry())
    assert effective(partly, REPLIES) is None
    other_ports = (_e("DROP", "22", "0.0.0.0/0"), REPLIES.entry())
    assert effective(other_ports, REPLIES) == 1


def test_the_admins_identical_entry_is_adopted_where_it_is_or_moved_above_the_drop():
    own = _e("ACCEPT", "3389", "203.0.113.0/24", description="admin office")
    above = ensure((own, *ADMIN), RDP)
    assert above.entries is None and above.adopted is True  # already effective: untouched
    below = ensure((ADMIN[0], own, ADMIN[1]), RDP)
    assert below.entries == (own, *ADMIN) and below.adopted is True  # moved, not copied


def test_only_tcremedys_own_entries_are_removed_whatever_the_case_of_their_description():
    ours_upper = RDP.entry(description="TCREMEDY: RDP FROM 203.0.113.0/24")
    admins = _e("ACCEPT", "3389", "203.0.113.0/24", description="admin office")
    assert without_owned((ours_upper, *ADMIN, admins), RDP) == (*ADMIN, admins)
    assert without_owned((*ADMIN, admins), RDP) is None  # nothing of ours: nothing to write


def test_declaring_a_direction_is_idempotent():
    wanted = [RDP, WantedEntry("ingress", "198.51.100.10/32", "3389", "tcremedy: RDP from 198.51.100.10/32")]
    once = declared(ADMIN, wanted)
    assert once[-2:] == ADMIN and len(once) == 4
    assert declared(once, wanted) == once


LISTED_DEFAULTS = (  # what DescribeNetworkAcls lists after the ACL's own entries (collected, upper-cased)
    NetworkAclEntry("ALL", "", "DROP", cidr_block="0.0.0.0/0"),
    NetworkAclEntry("ALL", "", "ACCEPT", ipv6_cidr_block="::/0"),
)


def test_the_listed_default_rules_are_not_the_acls_own_entries():
    assert own_entries((*ADMIN, *LISTED_DEFAULTS)) == ADMIN
    assert own_entries(ADMIN) == ADMIN  # an ACL listed without them
    explicit = (*ADMIN, LISTED_DEFAULTS[0])  # an admin's own deny-all at the end stays theirs
    assert own_entries((*explicit, *LISTED_DEFAULTS)) == explicit
    assert own_entries(tuple(reversed(LISTED_DEFAULTS))) == ()  # in either order


def test_the_listed_default_rules_do_not_stop_the_provider_path_from_rewriting_the_acl():
    """The IPv6 default and the deny-all followed by it are the API's, not entries a rewrite loses."""
    assert provider_cannot_write((*ADMIN, *LISTED_DEFAULTS), LISTED_DEFAULTS) == ""
    v6 = NetworkAclEntry("TCP", "3389", "ACCEPT", ipv6_cidr_block="2001:db8::/32")
    assert "IPv6 2001:db8::/32" in provider_cannot_write((v6, *ADMIN, *LISTED_DEFAULTS), ())
