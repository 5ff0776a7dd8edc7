"""District budget surveys and participatory budgeting (SPEC §5): coming next."""

from flask import Flask


def init_app(app: Flask) -> None:
    from budgeting.views import bp

    app.register_blueprint(bp)
