#!/usr/bin/env python
"""The sample relying party: a tiny Django site that signs people in through the portal's
Nafath OpenID Connect provider (Authlib). See README.md."""

import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
