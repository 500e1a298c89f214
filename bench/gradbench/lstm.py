"""GradBench's `lstm` eval: ADBench's LSTM (its weight matrices diagonal,
so every product is elementwise) predicting a text, one character (a vector
of b bits) at a time, through l layers.

`main_params` has two rows per layer (weights, then biases, each 4b long:
forget gate, input gate, output gate, change), `extra_params` three rows (the
input's weights, the output's weights and biases), `state` two rows per layer
(hidden, cell).  Per step, per layer:

    forget = sigmoid(x * w_f + b_f)        ingate = sigmoid(h * w_i + b_i)
    outgate = sigmoid(x * w_o + b_o)       change = tanh(h * w_c + b_c)
    c = c * forget + ingate * change       h = outgate * tanh(c)

the layer's new h being the next layer's x.  The prediction
`y = h_top * extra[1] + extra[2]` is normalised with ADBench's log-sum-exp,
which adds 2 to the sum (`y - log(2 + sum(exp(y)))`), and the objective is
minus the mean over steps and bits of `next_char * normalised`.

`jacobian` is the gradient in `main_params` and `extra_params`, row by row,
concatenated: `sg.grad(objective, wrt=(0, 1))`.  The objective is a
`numba.njit` function (srcgrad reads its source).
"""

import math

import numpy as np
from numba import njit

import srcgrad as sg
from bench.gradbench.protocol import measured


@njit(cache=True)
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True)
def layer(weight, bias, hidden, cell, x):
    """One LSTM cell: the new (hidden, cell)."""
    b = hidden.shape[0]
    forget = sigmoid(x * weight[0:b] + bias[0:b])
    ingate = sigmoid(hidden * weight[b:2 * b] + bias[b:2 * b])
    outgate = sigmoid(x * weight[2 * b:3 * b] + bias[2 * b:3 * b])
    change = np.tanh(hidden * weight[3 * b:4 * b] + bias[3 * b:4 * b])
    cell = cell * forget + ingate * change
    hidden = outgate * np.tanh(cell)
    return hidden, cell


@njit(cache=True)
def predict(main_params, extra_params, state, x):
    """The prediction for the next character, and the new state."""
    new_state = np.empty_like(state)
    x = x * extra_params[0]
    for i in range(0, state.shape[0], 2):
        hidden, cell = layer(main_params[i], main_params[i + 1], state[i], state[i + 1], x)
        new_state[i] = hidden
        new_state[i + 1] = cell
        x = hidden
    return x * extra_params[1] + extra_params[2], new_state


@njit(cache=True)
def objective_of(main_params, extra_params, state, sequence):
    total = 0.0
    count = 0
    x = sequence[0]
    for t in range(sequence.shape[0] - 1):
        y, state = predict(main_params, extra_params, state, x)
        normalised = y - math.log(2.0 + np.sum(np.exp(y)))
        gold = sequence[t + 1]
        total += np.sum(gold * normalised)
        count += gold.shape[0]
        x = gold
    return -total / count


gradient_of = sg.grad(objective_of, wrt=(0, 1), target="cpu")


def _arrays(raw):
    return tuple(np.asarray(raw[k], dtype=np.float64)
                 for k in ("main_params", "extra_params", "state", "sequence"))


def _flat(gradients):
    return np.concatenate([g.ravel() for g in gradients]).tolist()


@measured(_arrays, float)
def objective(args):
    return objective_of(*args)


@measured(_arrays, _flat)
def jacobian(args):
    return gradient_of(*args)


FUNCTIONS = {"objective": objective, "jacobian": jacobian}


def warm_up():
    rng = np.random.default_rng(0)
    layers, bits, chars = 2, 3, 4
    args = (rng.random((2 * layers, 4 * bits)), rng.random((3, bits)),
            rng.random((2 * layers, bits)), rng.integers(0, 2, (chars, bits)).astype(np.float64))
    objective_of(*args)
    gradient_of(*args)
