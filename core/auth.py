"""Browser sessions for people signed in through Nafath."""

import time
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.middleware import SESSION_LAST_SEEN_KEY, SESSION_PERSON_KEY


def person_login(request, person) -> None:
    """Start a fresh session (new key: no session fixation) for this person."""
    lang = request.session.get("lang")
    request.session.flush()
    request.session.cycle_key()
    request.session[SESSION_PERSON_KEY] = person.pk
    request.session[SESSION_LAST_SEEN_KEY] = int(time.time())
    if lang:
        request.session["lang"] = lang
    request.person = person


def person_logout(request) -> None:
    request.session.flush()
    request.person = None


def person_required(view):
    """Pages for signed-in people; others go to the login page and come back after."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "person", None) is None:
            if getattr(request, "session_expired", False):
                messages.info(request, _("Your session ended after a period of inactivity. Sign in again."))
            return redirect(f"/login/?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper
