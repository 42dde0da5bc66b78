"""Exceptions raised by expandermask.

Every error a user can trigger with bad input is a subclass of ``ValueError``
(or ``RuntimeError`` when the input is valid but no acceptable graph was found),
with a one-line message that the command-line layer prints as it is.
"""


class MaskFileError(ValueError):
    """A mask file is unreadable, corrupted or inconsistent with its metadata."""


class NotRamanujanError(RuntimeError):
    """No graph passing the Ramanujan check was found within the allowed tries.

    Attributes
    ----------
    best : BipartiteGraph or None
        The graph with the smallest ``sigma_2`` seen, with its failing report.
    """

    def __init__(self, message: str, best=None):
        super().__init__(message)
        self.best = best
