"""The network picture of a cluster: where the nodes (cases) and edges (shared keys) of the server-rendered
SVG go. Nodes sit on a circle in case order, so the same cluster always looks the same. Only cases the reader
holds are drawn (``Cluster`` holds no other), so the picture's size and shape say nothing of the others."""

import math
from dataclasses import dataclass

from longarm.linking.selectors import Cluster

SIZE = 360
_MARGIN = 36


@dataclass(frozen=True)
class Node:
    number: int
    x: float
    y: float


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    strong: bool
    label: str


@dataclass(frozen=True)
class Picture:
    size: int
    nodes: list[Node]
    lines: list[Line]


def cluster_picture(cluster: Cluster, *, labels: dict[str, str]) -> Picture:
    """Lay ``cluster`` out on a circle; ``labels`` names each edge's scheme for its tooltip."""
    count = len(cluster.cases)
    radius = SIZE / 2 - _MARGIN
    centre = SIZE / 2
    positions: dict[int, tuple[float, float]] = {}
    nodes = []
    for position, row in enumerate(cluster.cases):
        angle = 2 * math.pi * position / max(count, 1) - math.pi / 2
        x, y = (
            (centre, centre)
            if count == 1
            else (centre + radius * math.cos(angle), centre + radius * math.sin(angle))
        )
        positions[row.number] = (round(x, 1), round(y, 1))
        nodes.append(Node(row.number, *positions[row.number]))
    lines = [
        Line(
            *positions[edge.first],
            *positions[edge.second],
            strong=edge.strength == "strong",
            label=labels.get(edge.scheme, edge.scheme),
        )
        for edge in cluster.edges
    ]
    return Picture(size=SIZE, nodes=nodes, lines=lines)
