"""`mmexplorer train`: not yet available."""


def add_parser(sub) -> None:
    sub.add_parser("train", help="(not yet available)")


def run(args) -> int:
    from mmexplorer.cli.errors import UserInputError

    raise UserInputError("'train' is not available in this build yet")
