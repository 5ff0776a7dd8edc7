"""What each module plugs into the app: navigation, header and profile links, feeds, home-page
panels, link kinds, API operations, event subscribers, mail choices, demo data and jobs.

The registry lives on the app (`app.extensions["ghia"]`), not in module globals: each module's
`init_app` fills it, core reads it and names no module, and two apps built with different
`GHIA_MODULES` (as tests do) never see each other's registrations.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

EXTENSION = "ghia"


@dataclass(frozen=True)
class NavEntry:
    """A section in the header's main navigation."""

    endpoint: str
    label: Any  # a lazy translated string
    order: int

    @property
    def blueprint(self) -> str:
        return self.endpoint.partition(".")[0]


@dataclass(frozen=True)
class HomePanel:
    """A home-page section: `context()` returns what `template` needs."""

    order: int
    template: str
    context: Callable[[], dict]


@dataclass(frozen=True)
class DistrictPanel:
    """A section of a district's page: `context(district)` returns what `template` needs."""

    order: int
    template: str
    context: Callable[[Any], dict]


@dataclass(frozen=True)
class Feed:
    """A feed announced in every page's head and linked in the footer."""

    endpoint: str
    title: Any
    link_text: Any
    media_type: str = "application/atom+xml"


@dataclass(frozen=True)
class ToolLink:
    """A staff tool listed on the profile page for the users `allowed(user)` lets in."""

    endpoint: str
    label: Any
    allowed: Callable[[Any], bool]
    order: int


@dataclass(frozen=True)
class Starter:
    """Something a user may start from an object of one of `kinds` (a petition from a map
    report): a link to `url_for(endpoint, origin=ref)` in the object's related panel."""

    name: str
    label: Any
    endpoint: str
    kinds: frozenset[str]
    allowed: Callable[[Any], bool]
    order: int


@dataclass(frozen=True)
class MapLayer:
    """A GeoJSON layer the reports map offers as an overlay: `endpoint` answers a
    FeatureCollection of points whose properties hold `title`, `url` and `status`."""

    name: str
    label: Any
    endpoint: str
    order: int


@dataclass(frozen=True)
class MailChoice:
    """A kind of mail users ask for (or stop) on their profile page: `wanted(user)` says
    whether they asked, `choose(user, wanted)` records the answer (twice changes nothing)."""

    name: str
    label: Any
    hint: Any
    wanted: Callable[[Any], bool]
    choose: Callable[[Any, bool], None]
    order: int


@dataclass
class Registry:
    nav: list[NavEntry] = field(default_factory=list)
    feeds: list[Feed] = field(default_factory=list)
    header_templates: list[str] = field(default_factory=list)
    banner_templates: list[str] = field(default_factory=list)
    tool_links: list[ToolLink] = field(default_factory=list)
    link_kinds: dict[str, Callable] = field(default_factory=dict)
    link_searches: dict[str, Callable] = field(default_factory=dict)
    link_locators: dict[str, Callable] = field(default_factory=dict)
    starters: dict[str, Starter] = field(default_factory=dict)
    _map_layers: dict[str, MapLayer] = field(default_factory=dict)
    api_blueprints: list = field(default_factory=list)
    consequences: list = field(default_factory=list)
    footer_links: list[NavEntry] = field(default_factory=list)
    exporters: dict[str, Callable] = field(default_factory=dict)
    erasers: dict[str, Callable] = field(default_factory=dict)
    login_endpoint: str | None = None
    _home_panels: dict[str, HomePanel] = field(default_factory=dict)
    _district_panels: dict[str, DistrictPanel] = field(default_factory=dict)
    _demo_loaders: dict[str, tuple[int, Callable[[], str]]] = field(default_factory=dict)
    _mail_choices: dict[str, MailChoice] = field(default_factory=dict)

    def add_nav(self, endpoint: str, label, order: int) -> None:
        self.nav.append(NavEntry(endpoint, label, order))
        self.nav.sort(key=lambda entry: entry.order)

    def add_feed(self, endpoint: str, title, link_text) -> None:
        self.feeds.append(Feed(endpoint, title, link_text))

    def add_header_template(self, template: str) -> None:
        """A template of `<li>` items for the header's account area."""
        self.header_templates.append(template)

    def add_banner_template(self, template: str) -> None:
        """A notice shown above every page's content (e.g. "confirm your e-mail address")."""
        self.banner_templates.append(template)

    def add_tool_link(self, endpoint: str, label, allowed: Callable, order: int) -> None:
        self.tool_links.append(ToolLink(endpoint, label, allowed, order))
        self.tool_links.sort(key=lambda link: link.order)

    def tools_for(self, user) -> list[ToolLink]:
        return [link for link in self.tool_links if link.allowed(user)]

    def add_home_panel(self, name: str, order: int, template: str, context: Callable) -> None:
        self._home_panels[name] = HomePanel(order, template, context)

    def home_panels(self) -> list[HomePanel]:
        return sorted(self._home_panels.values(), key=lambda panel: panel.order)

    def add_district_panel(
        self, name: str, order: int, template: str, context: Callable[[Any], dict]
    ) -> None:
        """A section of every district's page (`/districts/<slug>`): the module's news,
        petitions, budget or reports there. `context(district)` fills `template`."""
        self._district_panels[name] = DistrictPanel(order, template, context)

    def district_panels(self) -> list[DistrictPanel]:
        return sorted(self._district_panels.values(), key=lambda panel: panel.order)

    def add_link_kind(
        self,
        kind: str,
        resolve_many: Callable,
        search: Callable | None = None,
        locate: Callable | None = None,
    ) -> None:
        """`resolve_many(ids, user)` returns the `LinkTarget`s of the objects among `ids` that
        exist and that `user` may see, in one query (see core/links.py). `search(words, user,
        limit)` returns those whose title or text matches `words`, best first, so the related
        panel can find objects by title. `locate(ids)` returns `{id: (lon, lat)}` of the public
        objects among `ids` that have a place on the map, in one query."""
        self.link_kinds[kind] = resolve_many
        if search is not None:
            self.link_searches[kind] = search
        if locate is not None:
            self.link_locators[kind] = locate

    def add_starter(
        self, name: str, label, endpoint: str, kinds, allowed: Callable, order: int
    ) -> None:
        """Offer "start a `name` from this" on the pages of objects of `kinds`, to the users
        `allowed(user)` lets in; `endpoint` takes `?origin=<ref>` (see `links.origin`)."""
        self.starters[name] = Starter(name, label, endpoint, frozenset(kinds), allowed, order)

    def starters_for(self, ref: str, user) -> list[Starter]:
        """What `user` may start from the object `ref`, in order."""
        kind = (ref or "").partition(":")[0]
        found = [s for s in self.starters.values() if kind in s.kinds and s.allowed(user)]
        return sorted(found, key=lambda starter: starter.order)

    def add_map_layer(self, name: str, label, endpoint: str, order: int) -> None:
        """An overlay of the reports map (see `MapLayer`)."""
        self._map_layers[name] = MapLayer(name, label, endpoint, order)

    def map_layers(self) -> list[MapLayer]:
        return sorted(self._map_layers.values(), key=lambda layer: layer.order)

    def add_api(self, blueprint) -> None:
        """A flask-smorest Blueprint: its operations join /api/v1/openapi.json."""
        self.api_blueprints.append(blueprint)

    def add_demo_loader(self, name: str, order: int, loader: Callable[[], str]) -> None:
        """`loader()` loads a module's demo data idempotently and returns a line for the log."""
        self._demo_loaders[name] = (order, loader)

    def demo_loaders(self) -> list[Callable[[], str]]:
        ordered = sorted(self._demo_loaders.values(), key=lambda item: item[0])
        return [loader for _, loader in ordered]

    def add_mail_choice(
        self, name: str, label, hint, wanted: Callable, choose: Callable, order: int
    ) -> None:
        """Mail a module sends only to those who asked: a box on the profile page."""
        self._mail_choices[name] = MailChoice(name, label, hint, wanted, choose, order)

    def mail_choices(self) -> list[MailChoice]:
        return sorted(self._mail_choices.values(), key=lambda choice: choice.order)

    def add_footer_link(self, endpoint: str, label, order: int) -> None:
        self.footer_links.append(NavEntry(endpoint, label, order))
        self.footer_links.sort(key=lambda entry: entry.order)

    def add_data_rights(self, name: str, export: Callable, erase: Callable) -> None:
        """What the module gives for "download my data" and does for "delete my account"
        (see core/privacy.py)."""
        self.exporters[name] = export
        self.erasers[name] = erase

    def add_consequence(self, handler: Callable) -> None:
        """A handler made with `@core.events.consequence(...)` in the module's `tasks.py`: in
        this app it runs as a job after each matching event commits."""
        self.consequences.append(handler.consequence)

    def set_login_endpoint(self, endpoint: str) -> None:
        """Where pages that need a logged-in user send visitors (the accounts module's)."""
        self.login_endpoint = endpoint


def init_registry(app: Flask) -> Registry:
    app.extensions[EXTENSION] = Registry()
    app.context_processor(lambda: {"registry": app.extensions[EXTENSION]})
    return app.extensions[EXTENSION]


def registry(app: Flask) -> Registry:
    return app.extensions[EXTENSION]


def current_registry() -> Registry:
    return registry(current_app)
