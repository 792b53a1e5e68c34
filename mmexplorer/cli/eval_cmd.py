"""`mmexplorer eval`: not yet available."""


def add_parser(sub) -> None:
    sub.add_parser("eval", help="(not yet available)")


def run(args) -> int:
    from mmexplorer.cli.errors import UserInputError

    raise UserInputError("'eval' is not available in this build yet")
