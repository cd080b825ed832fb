"""Private storage for biometric photos and generated documents: outside MEDIA_ROOT and
never mapped to a URL. Files are served only through authorised views."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = FileSystemStorage(location=str(settings.PRIVATE_MEDIA_ROOT), base_url=None)


private_storage = _PrivateStorage()
