"""`mmexplorer export`: not yet available."""


def add_parser(sub) -> None:
    sub.add_parser("export", help="(not yet available)")


def run(args) -> int:
    from mmexplorer.cli.errors import UserInputError

    raise UserInputError("'export' is not available in this build yet")
