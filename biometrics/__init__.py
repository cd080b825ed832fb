"""The photo-check engine shared by every service that takes a face (see docs/photo_check.md).

upload.image_sanitize validates untrusted uploads (never imports face_recognition);
check.photo_check_run runs the quality rules and the face match; enrol sets the photo on file."""
