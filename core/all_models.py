"""Every module's models, imported by name so that Alembic and the schema test see them all."""

import importlib


def import_all_models(module_names) -> None:
    for name in module_names:
        try:
            importlib.import_module(f"{name}.models")
        except ModuleNotFoundError as error:
            if error.name != f"{name}.models":
                raise
