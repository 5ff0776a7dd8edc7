"""Who may do what with news: one function per action, deny by default (see core.permissions)."""

from core.models import Role
from core.permissions import holds
from news.models import PostKind


def can_write_posts(user) -> bool:
    return holds(user, Role.EDITOR)


def can_read_drafts(user) -> bool:
    return holds(user, Role.EDITOR)


def can_see_post(user, post) -> bool:
    """Published posts are public; drafts are for editors only (others get a 404)."""
    return post.status == "published" or can_read_drafts(user)


def can_edit_post(user, post) -> bool:
    """Automatic posts come from module events and keep their text; editors may unpublish."""
    return post.kind != PostKind.AUTOMATIC and holds(user, Role.EDITOR)


def can_publish_post(user, post) -> bool:
    """Publish or unpublish (back to a draft)."""
    return holds(user, Role.EDITOR)


def can_download_attachment(user, attachment) -> bool:
    return can_see_post(user, attachment.post)


def can_delete_attachment(user, attachment) -> bool:
    return can_edit_post(user, attachment.post)


TEMPLATE_FUNCTIONS = (
    can_write_posts,
    can_read_drafts,
    can_edit_post,
    can_publish_post,
    can_delete_attachment,
)
