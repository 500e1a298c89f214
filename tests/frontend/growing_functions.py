"""Functions that grow lists in loops whose number of passes is known only
when they run, written as numerical code is (for tests/frontend/test_growing_lists.py)."""

import numpy as np


def squares_collected(x):
    acc = []
    for xi in x:
        acc.append(xi * xi)
    return np.sum(np.array(acc) * np.arange(len(acc)))


def euler_trajectory(y0, k, n):
    """dy/dt = -k y^3, explicit Euler, every state kept."""
    h = 0.1
    ys = [y0]
    for _ in range(n):
        ys.append(ys[-1] - h * k * ys[-1] ** 3)
    return np.sum(np.array(ys) ** 2) / len(ys)


def positive_part_mean(x):
    kept = []
    for i in range(len(x)):
        if x[i] > 0.0:
            kept.append(np.exp(x[i]))
    if len(kept) == 0:
        return 0.0
    return sum(kept) / len(kept)


def newton_sqrt_trace(a, x0):
    """Newton's iterations for sqrt(a), until converged; the loss reads every iterate."""
    xs = []
    x = x0
    while abs(x * x - a) > 1e-10:
        xs.append(x)
        x = 0.5 * (x + a / x)
    xs.append(x)
    total = 0.0
    for v in xs:
        total = total + v
    return total + xs[-1] * len(xs)


def hidden_states(W, x, n):
    """An RNN's hidden states stacked into a matrix."""
    h = np.zeros(W.shape[0])
    states = []
    for t in range(n):
        h = np.tanh(W @ h + x[t])
        states.append(h)
    H = np.stack(states)
    return np.sum(H[1:] * H[:-1])


def sum_of_rows(A):
    rows = []
    peaks = []
    for i in range(A.shape[0]):
        rows.append(A[i] * (i + 1.0))
        peaks.append(np.sum(A[i] ** 2))
    total = sum(rows)
    return np.sum(total ** 2) + rows[-1][1] * np.min(rows[0]) + max(peaks) - min(peaks)


def long_constant_range(x):
    out = []
    for i in range(100):
        out.append(x[i % 3] * i)
    return np.mean(np.array(out) ** 2)


def pairwise_table(x, n):
    """A list of rows, each a list grown in an inner loop of computed length."""
    table = []
    for i in range(n):
        row = []
        for j in range(i + 1):
            row.append(x[i % 3] * x[j % 3] + j)
        table.append(np.sum(np.array(row)))
    return np.sum(np.array(table) ** 2)


def history_in_dict(x, n):
    state = {"value": x[0], "trace": []}
    for _ in range(n):
        state["value"] = np.sin(state["value"]) + x[1]
        state["trace"].append(state["value"])
    return np.mean(np.array(state["trace"])) * state["value"]


def restarted_paths(x, n, m):
    """A new path per restart, each step reading the path's last point."""
    total = 0.0
    for i in range(n):
        path = [x[i % 3]]
        for j in range(m):
            path.append(np.sin(path[-1]) * x[(i + j) % 3])
        total = total + np.sum(np.array(path))
    return total


def comprehension_over_an_array(x, W):
    """A list comprehension over an array's rows, stacked."""
    feats = np.array([np.tanh(W @ row) for row in x])
    return np.sum(feats ** 2) + np.sum([v * v for v in x[0] if v > -10.0])


def nested_comprehension(x, n):
    grid = [x[i % 3] * x[j % 3] for i in range(n) for j in range(i)]
    return np.sum(np.array(grid))


def ndindex_of_a_shape(x, w):
    """Every element visited by np.ndindex(x.shape), whatever x's rank."""
    total = 0.0
    for idx in np.ndindex(x.shape):
        total = total + w * np.sin(x[idx]) * x[idx]
    return total


def smoothed_with_previous(x):
    """Each value reads the previous one where there is one (on the first pass the list is empty)."""
    out = []
    for v in x:
        prev = out[-1] if len(out) > 0 else 0.0
        out.append(0.5 * prev + v ** 2)
    return np.sum(np.array(out))


def concatenated_windows(x, n, w):
    """Windows of a signal collected in a loop, joined end to end and across."""
    pieces = []
    for i in range(n):
        pieces.append(np.tanh(w * x[i:i + 3]))
    flat = np.concatenate(pieces)
    blocks = []
    for i in range(n):
        blocks.append(np.outer(x[i:i + 2], x[i + 1:i + 3]))
    wide = np.concatenate(blocks, axis=1)
    tall = np.concatenate(blocks, axis=-2)
    return np.sum(flat * np.arange(flat.shape[0])) + np.sum(wide ** 2) * np.sum(tall[::2])


def chained_transforms(theta, parents):
    """A kinematic chain as hand-tracking code writes it: each joint's
    absolute transform is its parent's (read by a computed index into the
    list the loop grows) times its own rotation."""
    absolutes = []
    for i in range(parents.shape[0]):
        c, s = np.cos(theta[i]), np.sin(theta[i])
        rotation = np.array([[c, -s], [s, c]]) * (1.0 + 0.1 * i)
        if parents[i] == -1:
            absolutes.append(rotation)
        else:
            absolutes.append(absolutes[parents[i]] @ rotation)
    total = 0.0
    for a in absolutes:
        total += np.sum(a * a[0, 1])
    return total
