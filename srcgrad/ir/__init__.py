"""The intermediate representation: statements (`nodes`), fresh names (`naming`).

Passes import the package and spell nodes as `ir.Assign`, `ir.walk(body)`.
"""

from .nodes import (  # noqa: F401
    MODULES,
    Accumulate,
    Assign,
    ExitLoop,
    ExprStmt,
    For,
    Function,
    If,
    Origin,
    Pop,
    PopStore,
    Push,
    Raise,
    Stmt,
    Store,
    While,
    all_blocks,
    blocks,
    defined_names,
    names_in,
    stored_arrays,
    used_names,
    walk,
)
