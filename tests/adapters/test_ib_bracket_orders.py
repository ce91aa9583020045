"""The IB bracket's wire fields as TWS wants them, without a socket (core/adapters/ib/brackets.py)."""

from __future__ import annotations

from ib_async import Order as IbOrder
from ib_async import OrderStatus, Trade

from core.adapters.ib.brackets import OCA_CANCEL_WITH_BLOCK, detach_from_filled_parent, link_bracket


def legs(children: int) -> tuple[IbOrder, list[IbOrder]]:
    parent = IbOrder(orderId=7, orderRef="T1", transmit=True)
    return parent, [IbOrder(orderId=8 + n, transmit=True) for n in range(children)]


def test_only_the_last_leg_transmits_and_the_children_share_one_oca_group() -> None:
    parent, children = legs(2)
    sent = link_bracket(parent, children)
    assert sent == [parent, *children]
    assert [o.transmit for o in sent] == [False, False, True], "TWS holds the group until its last leg"
    assert [o.parentId for o in children] == [7, 7]
    assert children[0].ocaGroup == children[1].ocaGroup != ""
    assert [o.ocaType for o in children] == [OCA_CANCEL_WITH_BLOCK] * 2


def test_a_single_child_transmits_the_pair_without_an_oca_group() -> None:
    parent, children = legs(1)
    link_bracket(parent, children)
    assert (parent.transmit, children[0].transmit, children[0].ocaGroup) == (False, True, "")


def test_a_change_to_a_child_drops_the_parent_only_once_it_has_filled() -> None:
    parent_trade = Trade(order=IbOrder(orderId=7), orderStatus=OrderStatus(status="Submitted"))
    child = IbOrder(orderId=8, parentId=7)
    detach_from_filled_parent(child, [parent_trade])
    assert child.parentId == 7, "a child sent without its working parent would start working at once"
    parent_trade.orderStatus.status = "Filled"
    detach_from_filled_parent(child, [parent_trade])
    assert child.parentId == 0, "TWS answers 135 to a change naming a filled parent"
