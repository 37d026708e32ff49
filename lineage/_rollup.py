"""The EPC roll-up: a topological order and one sparse triangular solve (magnitudes, gCO2e).

The roll-up solves ``EPC = own + W^T EPC``, i.e. ``(I - W^T) EPC = own``, as one sparse
triangular solve in topological order (``scipy.sparse.linalg.spsolve_triangular``). The
topological order comes from Kahn's algorithm run one frontier at a time on NumPy arrays
(a pure-Python queue takes over for deep, narrow graphs). Nothing recurses. The inputs are
the slot arrays of :class:`lineage._index.Index` (parents, children, weights of live edges).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve_triangular

__all__ = ["Rollup", "topological_order"]


@dataclass(frozen=True)
class Rollup:
    """A topological order and the CSC pattern of ``L = I - W^T`` in that order.

    Column ``j`` (a parent, by rank) holds its diagonal 1 first, then its children (higher
    ranks, sorted): a lower-triangular, canonical CSC matrix that SciPy's triangular solver
    takes as it is (no conversion, no change of structure). Built once per graph structure;
    reused while only shares or costs change.

    >>> roll = Rollup.build(3, np.array([0, 1]), np.array([1, 2]))  # edges 0 -> 1 -> 2
    >>> roll.acyclic, roll.solve(np.array([0.5, 0.5]), np.array([4.0, 0.0, 0.0])).tolist()
    (True, [4.0, 2.0, 1.0])
    """

    n: int
    order: np.ndarray  # slots in topological order (shorter than n when there is a cycle)
    edge_pos: np.ndarray  # where each live edge's -w goes in the data array
    diag_pos: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray

    @property
    def acyclic(self) -> bool:
        return len(self.order) == self.n

    @classmethod
    def build(cls, n: int, ep: np.ndarray, ec: np.ndarray) -> Rollup:
        order = topological_order(n, ep, ec)
        empty = np.zeros(0, np.int64)
        if len(order) < n:
            return cls(n, order, empty, empty, empty, empty)
        rank = np.empty(n, np.int64)
        rank[order] = np.arange(n)
        rows = rank[ec]
        cols = rank[ep]
        perm = np.argsort(cols * np.int64(n) + rows)  # by column (parent rank), then row
        per_col = np.bincount(cols, minlength=n) + 1
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(per_col, out=indptr[1:])
        diag_pos = indptr[:-1].copy()
        # edge k (in perm order) sits after its column's diagonal and the column's earlier edges
        sorted_cols = cols[perm]
        first = indptr[sorted_cols] - sorted_cols  # edges of earlier columns
        within = np.arange(len(perm)) - first
        pos_sorted = diag_pos[sorted_cols] + 1 + within
        edge_pos = np.empty(len(perm), np.int64)
        edge_pos[perm] = pos_sorted
        indices = np.empty(n + len(perm), np.int64)
        indices[diag_pos] = np.arange(n)
        indices[pos_sorted] = rows[perm]
        return cls(n, order, edge_pos, diag_pos, indptr, indices)

    def solve(self, w: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        """x with ``x[c] = rhs[c] + sum over edges p->c of w * x[p]`` (rhs: n or n x k)."""
        if self.n == 0:
            return rhs.astype(np.float64, copy=True)
        data = np.empty(len(self.indices))
        data[self.diag_pos] = 1.0
        data[self.edge_pos] = -w
        mat = sp.csc_array((data, self.indices, self.indptr), shape=(self.n, self.n))
        mat.has_canonical_format = True
        b = np.ascontiguousarray(rhs[self.order], dtype=np.float64)
        x = spsolve_triangular(mat, b, lower=True, unit_diagonal=True, overwrite_A=True,
                               overwrite_b=True)
        out = np.empty_like(x)
        out[self.order] = x
        return np.asarray(out)


def topological_order(n: int, ep: np.ndarray, ec: np.ndarray) -> np.ndarray:
    """Slots in a topological order (Kahn); fewer than ``n`` when the graph has a cycle.

    >>> topological_order(3, np.array([2, 1]), np.array([1, 0])).tolist()
    [2, 1, 0]
    """
    if len(ep) == 0:
        return np.arange(n, dtype=np.int64)
    by_parent = np.argsort(ep, kind="stable")
    child = ec[by_parent]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(ep, minlength=n), out=indptr[1:])
    indeg = np.bincount(ec, minlength=n).astype(np.int64)
    frontier = np.flatnonzero(indeg == 0)
    parts: list[np.ndarray] = []
    done = 0
    rounds = 0
    while frontier.size:
        parts.append(frontier)
        done += frontier.size
        rounds += 1
        if rounds > 64 and frontier.size < 64:
            parts.append(_kahn_python(frontier, indptr, child, indeg))
            break
        starts = indptr[frontier]
        counts = indptr[frontier + 1] - starts
        total = int(counts.sum())
        if total == 0:
            break
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        kids = child[offsets + np.arange(total)]
        uniq, cnt = np.unique(kids, return_counts=True)
        indeg[uniq] -= cnt
        frontier = uniq[indeg[uniq] == 0]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _kahn_python(frontier: np.ndarray, indptr: np.ndarray, child: np.ndarray,
                 indeg: np.ndarray) -> np.ndarray:
    """Finish Kahn's algorithm with a queue (deep, narrow graphs): nodes after ``frontier``."""
    ptr = indptr.tolist()
    kids = child.tolist()
    deg = indeg.tolist()
    queue = deque(frontier.tolist())
    out: list[int] = []
    while queue:
        u = queue.popleft()
        for k in range(ptr[u], ptr[u + 1]):
            v = kids[k]
            deg[v] -= 1
            if deg[v] == 0:
                out.append(v)
                queue.append(v)
    return np.asarray(out, dtype=np.int64)
