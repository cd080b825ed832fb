"""core/templatetags/cached_url.py: every template's {% url %} remembers a fixed name's path, and
gives exactly what Django's tag gives, whatever the script prefix, language or application."""

import pytest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from core.templatetags import cached_url


def render(src: str, **ctx) -> str:
    return Template(src).render(Context(ctx))


def test_every_template_gets_the_cached_node():
    node = Template("{% url 'portal:dashboard' %}").nodelist[0]
    assert isinstance(node, cached_url.CachedURLNode)


def test_same_paths_as_reverse_and_remembered():
    cached_url._paths.clear()
    assert render("{% url 'portal:dashboard' %}") == reverse("portal:dashboard")
    assert len(cached_url._paths) == 1
    assert render("{% url 'portal:dashboard' %}") == reverse("portal:dashboard")  # from the cache
    assert render("{% url 'passports:detail' 7 %}") == reverse("passports:detail", args=[7])  # arguments: not cached
    assert len(cached_url._paths) == 1


def test_the_script_prefix_and_language_are_part_of_the_key():
    cached_url._paths.clear()
    plain = render("{% url 'portal:dashboard' %}")
    try:
        set_script_prefix("/portal-under/")
        assert render("{% url 'portal:dashboard' %}") == "/portal-under" + plain
    finally:
        set_script_prefix("/")
    assert render("{% url 'portal:dashboard' %}") == plain
    with translation.override("en"):
        render("{% url 'portal:dashboard' %}")
    assert {k[-1] for k in cached_url._paths} >= {"en"}


def test_a_name_that_does_not_reverse():
    cached_url._paths.clear()
    assert render("{% url 'no:such' as u %}[{{ u }}]") == "[]"
    assert cached_url._paths == {}
    with pytest.raises(NoReverseMatch):
        render("{% url 'no:such' %}")


def test_the_current_application_as_djangos_node_reads_it():
    request = RequestFactory().get("/")
    request.current_app = "admin"
    tpl = Template("{% url 'admin:index' %}")
    assert tpl.render(RequestContext(request)) == reverse("admin:index", current_app="admin")
    key_apps = {k[1] for k in cached_url._paths if k[0] == "admin:index"}
    assert "admin" in key_apps
