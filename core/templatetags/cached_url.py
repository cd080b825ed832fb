"""`{% url %}` that reverses a name without arguments once per process (a template builtin, so
every template's `{% url %}` is this one: absher/settings/base.py TEMPLATES "builtins").

Django's `{% url %}` runs `reverse()` on every render, ~15-20 µs each; the portal's base page and
dashboard print a dozen links to fixed names (the navigation, the service tiles), about a tenth of
the dashboard's own time (issue 12). A fixed name's path depends only on the URLconf, the script
prefix, the current application namespace and the language, so it is remembered per those; a
name with arguments, and a name that does not reverse, goes through Django's node as before.
"""

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library, defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = Library()
_paths: dict[tuple, str] = {}
MAX_PATHS = 4096


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME", "LANGUAGES"):
        _paths.clear()


class CachedURLNode(defaulttags.URLNode):
    def render(self, context):
        if self.args or self.kwargs:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)  # as Django's node finds it
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        key = (view_name, current_app, get_urlconf(), get_script_prefix(), get_language())
        url = _paths.get(key)
        if url is None:
            try:
                url = reverse(view_name, current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
                url = ""  # {% url ... as var %} of a name that does not reverse: empty, not remembered
            else:
                if len(_paths) < MAX_PATHS:
                    _paths[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
