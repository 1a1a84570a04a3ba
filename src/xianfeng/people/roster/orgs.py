"""Resolving the org names a roster uses inside the import's target subtree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xianfeng.orgs.enums import MEMBER_ORG_KINDS, OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.normalize import clean_compact, clean_name

if TYPE_CHECKING:
    from xianfeng.people.roster.reader import _Pending

# Where to look for the header row: under a title, a date line, a blank row or two.


@dataclass(frozen=True)
class _Node:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class OrgIndex:
    """The target org's subtree, loaded once, looked up by code or name."""

    def __init__(self, target: Org) -> None:
        self.target = target
        rows = Org.objects.filter(path__gte=target.path, path__lt=target.upper_path).values_list(
            "id", "code", "name", "kind", "parent_id"
        )
        self.nodes = {row[0]: _Node(*row) for row in rows}
        self.by_code: dict[str, _Node] = {}
        self.by_code_upper: dict[str, list[_Node]] = {}
        self.by_name: dict[str, list[_Node]] = {}
        self.groups: dict[tuple[int | None, str], list[_Node]] = {}
        for node in self.nodes.values():
            self.by_code[node.code] = node
            self.by_code_upper.setdefault(node.code.upper(), []).append(node)
            self.by_name.setdefault(clean_name(node.name), []).append(node)
            if node.kind == OrgKind.GROUP:
                self.groups.setdefault((node.parent_id, clean_name(node.name)), []).append(node)

    def code(self, text: str) -> _Node | None:
        node = self.by_code.get(text)
        if node is None:
            found = self.by_code_upper.get(text.upper(), [])
            node = found[0] if len(found) == 1 else None
        return node

    def unknown(self, text: str) -> str:
        return f"找不到党组织“{text}”（须在“{self.target.name}”之下）"

    def resolve(self, pending: _Pending) -> None:
        """Set org_id and group_id on the row, or its org problems."""
        problems, data = pending.problems, pending.data
        node: _Node | None = None
        if pending.code_text:
            node = self.code(pending.code_text)
            if node is None:
                problems["org_code"] = (
                    f"找不到组织代码“{pending.code_text}”（须在“{self.target.name}”之下）"
                )
                return
            text = pending.org_text
            same = (
                clean_name(text) == clean_name(node.name) or self.code(clean_compact(text)) == node
            )
            if text and not same:
                problems["org"] = (
                    f"组织代码“{node.code}”是“{node.name}”，与所在党组织“{text}”不一致"
                )
                return
        elif pending.org_text:
            node = self.code(clean_compact(pending.org_text))
            if node is None:
                found = self.by_name.get(clean_name(pending.org_text), [])
                if not found:
                    problems["org"] = self.unknown(pending.org_text)
                    return
                if len(found) > 1:
                    problems["org"] = f"有多个党组织叫“{pending.org_text}”，请改填组织代码"
                    return
                node = found[0]
        else:
            target = self.target
            if target.kind not in MEMBER_ORG_KINDS:
                problems["org"] = (
                    f"请填写所在党组织（“{target.name}”是{target.get_kind_display()}，"
                    "党员须编入党支部等组织）"
                )
                return
            node = self.nodes[target.pk]
        group: _Node | None = None
        if node.kind == OrgKind.GROUP:
            group = node
            parent = self.nodes.get(node.parent_id) if node.parent_id else None
            if parent is None:
                # The target itself is a group: its branch lies outside the subtree.
                problems["org"] = self.unknown(pending.org_text or node.name)
                return
            node = parent
        if pending.group_text:
            found = self.groups.get((node.id, clean_name(pending.group_text)), [])
            if len(found) != 1:
                problems["group"] = f"“{node.name}”下没有党小组“{pending.group_text}”"
                return
            if group is not None and found[0] != group:
                problems["group"] = (
                    f"所在党组织填的是党小组“{group.name}”，与党小组“{pending.group_text}”不一致"
                )
                return
            group = found[0]
        data.org_id = node.id
        data.group_id = group.id if group else None
        pending.org_text, pending.group_text = node.name, group.name if group else ""


# --- the whole file ------------------------------------------------------------------------
