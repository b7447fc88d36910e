"""The one exception type for bad input.

Every check of user input (scenario, experiment or sweep files, command
options) raises `InputError`; the CLI turns it into one line on stderr and
exit status 2. Nothing is written before input has been checked.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: names the file, the key path and what was expected."""

    def __init__(self, file: str, key: str, expected: str):
        self.file = str(file)
        self.key = key
        self.expected = expected
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.expected}"


def key_path(location: tuple) -> str:
    """Format a pydantic location tuple as `police.un.officers` / `network.edges[3].to`."""
    path = ""
    for part in location:
        if part == "[key]":  # pydantic's marker for "the key itself" in a mapping
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path
