"""`mmexplorer gui`: not yet available."""


def add_parser(sub) -> None:
    sub.add_parser("gui", help="(not yet available)")


def run(args) -> int:
    from mmexplorer.cli.errors import UserInputError

    raise UserInputError("'gui' is not available in this build yet")
